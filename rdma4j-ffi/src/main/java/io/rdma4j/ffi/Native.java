package io.rdma4j.ffi;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** Small helpers over pointers that native code hands back (zero-length segments). */
final class Native {
    private Native() {}

    /** {@code ptr} widened to {@code layout}'s size so its fields can be read; the memory is not owned. */
    static MemorySegment struct(MemorySegment ptr, MemoryLayout layout) {
        return ptr.reinterpret(layout.byteSize());
    }

    /** A pointer value as a zero-length segment. */
    static MemorySegment pointer(long address) {
        return MemorySegment.ofAddress(address);
    }

    /** A NUL-terminated C string of at most {@code max} bytes, or {@code null} for a NULL pointer. */
    static String string(MemorySegment ptr, long max) {
        if (ptr.equals(MemorySegment.NULL)) {
            return null;
        }
        return ptr.reinterpret(max).getString(0);
    }

    static boolean isNull(MemorySegment ptr) {
        return ptr.address() == 0;
    }
}
