package io.rdma4j.ffi;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A registered memory region: {@code struct ibv_mr}.
 *
 * <pre>{@code
 * struct ibv_mr {
 *     struct ibv_context *context;
 *     struct ibv_pd      *pd;
 *     void               *addr;
 *     size_t              length;
 *     uint32_t            handle;
 *     uint32_t            lkey;
 *     uint32_t            rkey;
 * };
 * }</pre>
 *
 * <p>Holds the registered segment, so memory from an automatic arena is not freed while the NIC
 * may still use it. {@link #close()} is {@code ibv_dereg_mr}: after it, the rkey is dead and a
 * peer's access fails with a remote access error.
 */
public final class IbvMr extends NativeResource {
    private static final VarHandle ADDR = Layouts.handle(Layouts.IBV_MR, "addr");
    private static final VarHandle LENGTH = Layouts.handle(Layouts.IBV_MR, "length");
    private static final VarHandle HANDLE = Layouts.handle(Layouts.IBV_MR, "handle");
    private static final VarHandle LKEY = Layouts.handle(Layouts.IBV_MR, "lkey");
    private static final VarHandle RKEY = Layouts.handle(Layouts.IBV_MR, "rkey");

    private final IbvPd pd;
    private final MemorySegment region;
    private final int lkey;
    private final int rkey;

    IbvMr(MemorySegment pointer, IbvPd pd, MemorySegment region) {
        super(pointer, Layouts.IBV_MR);
        this.pd = pd;
        this.region = region;
        this.lkey = (int) LKEY.get(struct, 0L);
        this.rkey = (int) RKEY.get(struct, 0L);
    }

    /** @return the PD it was registered in */
    public IbvPd pd() {
        return pd;
    }

    /** @return the registered memory */
    public MemorySegment region() {
        return region;
    }

    /** @return {@code addr} */
    public long addr() {
        return ((MemorySegment) ADDR.get(struct, 0L)).address();
    }

    /** @return {@code length} */
    public long length() {
        return (long) LENGTH.get(struct, 0L);
    }

    /** @return {@code handle} */
    public int handle() {
        return (int) HANDLE.get(struct, 0L);
    }

    /** @return {@code lkey}: goes into each {@code ibv_sge} that points into this region */
    public int lkey() {
        return lkey;
    }

    /** @return {@code rkey}: what a peer needs to access this region */
    public int rkey() {
        return rkey;
    }

    @Override
    void release() {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.DEREG_MR.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_dereg_mr", null);
    }
}
