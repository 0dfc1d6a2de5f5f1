package io.rdma4j.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * Per-thread native scratch memory for control-path calls: the {@code errno} capture buffer and
 * room for out-parameters and socket addresses.
 *
 * <p>An arena per call would be a malloc/free (and for shared arenas a handshake) on every
 * control call; a thread-local segment costs nothing per call. Its memory comes from an automatic
 * arena, so a thread's scratch is freed when the thread (virtual or not) is collected. Downcalls
 * never call back into Java, so a thread's scratch is never used by two calls at once; callers
 * read their results out before making the next downcall.
 */
final class CallScratch {
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** Room for two {@code sockaddr_storage} and a few pointers. */
    static final long OUT_SIZE = 512;
    /** Offsets into {@link #out}: two socket addresses, then pointer-sized out-parameters. */
    static final long ADDR1 = 0, ADDR2 = 128, PTR1 = 256, PTR2 = 264, INT1 = 272;

    private static final ThreadLocal<CallScratch> CURRENT = ThreadLocal.withInitial(CallScratch::new);

    final MemorySegment capture;
    final MemorySegment out;

    private CallScratch() {
        Arena arena = Arena.ofAuto();
        capture = arena.allocate(CAPTURE);
        out = arena.allocate(OUT_SIZE, 16);
    }

    static CallScratch get() {
        return CURRENT.get();
    }

    /** The {@code errno} the last capturing downcall on this thread left. */
    int errno() {
        return (int) ERRNO.get(capture, 0L);
    }

    /** A fresh exception for {@code function} with the captured {@code errno}. */
    NativeCallException failure(String function, String detail) {
        return new NativeCallException(function, errno(), detail);
    }

    /**
     * The errno of a verb that returns 0 or an error: many verbs return the errno value itself,
     * some return -1 and set errno, a few return -errno.
     */
    int errnoOf(int rc) {
        if (rc > 0) {
            return rc;
        }
        int captured = errno();
        return captured != 0 ? captured : -rc;
    }
}
