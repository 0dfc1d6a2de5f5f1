package io.rdma4j.ffi;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * A native object a verb created (a device context, PD, MR, CQ, QP, ...), seen through its C
 * struct. Closing releases it with the matching destroy verb, once; a second close does nothing.
 *
 * <p>This layer does not track children or in-flight work: destroying a PD that still has MRs
 * fails with EBUSY, and using an object after closing it is undefined. The safe core above
 * orders teardown; here {@link #close()} only makes a double close harmless.
 */
public abstract sealed class NativeResource implements AutoCloseable
        permits IbvContext, IbvPd, IbvMr, IbvCompChannel, IbvCq, IbvQp, IbvSrq, CmEventChannel, CmId {
    final MemorySegment struct;
    private boolean closed;

    NativeResource(MemorySegment pointer, MemoryLayout layout) {
        this.struct = Native.struct(pointer, layout);
    }

    /** @return the C pointer to the object */
    public final long address() {
        return struct.address();
    }

    /**
     * @return the C struct, sized to the part of it rdma4j binds ({@link Layouts}); the memory
     *     belongs to the library and is valid until {@link #close()}
     */
    public final MemorySegment segment() {
        return struct;
    }

    /** @return whether {@link #close()} has released the object */
    public final synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Destroys the native object; does nothing if already closed.
     *
     * @throws NativeCallException if the destroy verb fails (the object then stays open, e.g. a
     *     PD with MRs left gives EBUSY and may be closed again later)
     */
    @Override
    public final synchronized void close() {
        if (!closed) {
            release();
            closed = true;
        }
    }

    /** The destroy verb; called at most once successfully. */
    abstract void release();

    /** Fails a control call on a closed object instead of handing a dangling pointer to C. */
    final synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
    }

    /** Returns normally for 0, throws for an errno-style return code. */
    static void check(int rc, CallScratch s, String function, String detail) {
        if (rc != 0) {
            throw new NativeCallException(function, s.errnoOf(rc), detail);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "@0x" + Long.toHexString(address());
    }
}
