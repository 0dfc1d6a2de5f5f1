package io.rdma4j.ffi;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A protection domain: {@code struct ibv_pd}.
 *
 * <pre>{@code
 * struct ibv_pd {
 *     struct ibv_context *context;
 *     uint32_t            handle;
 * };
 * }</pre>
 *
 * <p>Close ({@code ibv_dealloc_pd}) after every MR, QP and SRQ made from it, or it fails with EBUSY.
 */
public final class IbvPd extends NativeResource {
    private static final VarHandle HANDLE = Layouts.handle(Layouts.IBV_PD, "handle");

    private final IbvContext context;

    IbvPd(MemorySegment pointer, IbvContext context) {
        super(pointer, Layouts.IBV_PD);
        this.context = context;
    }

    /**
     * Wraps a PD someone else allocated; {@link #close()} will deallocate it.
     *
     * @param pointer a {@code struct ibv_pd *}
     * @param context its device
     * @return the PD
     */
    public static IbvPd wrap(MemorySegment pointer, IbvContext context) {
        return new IbvPd(pointer, context);
    }

    /** @return the device it belongs to */
    public IbvContext context() {
        return context;
    }

    /** @return {@code handle}, the kernel's id for it */
    public int handle() {
        return (int) HANDLE.get(struct, 0L);
    }

    /**
     * Registers {@code region} with {@code iova} = its address: what the header's {@code ibv_reg_mr}
     * macro does for a non-constant access value (it calls the exported {@code ibv_reg_mr_iova2}).
     *
     * @param region native memory; it must stay allocated until the MR is closed ({@link IbvMr}
     *     keeps a reference to it so that an automatic arena cannot free it first)
     * @param access {@code IBV_ACCESS_*} flags
     * @return the memory region
     * @throws IllegalArgumentException for a heap segment (the GC moves those)
     * @throws NativeCallException if registration fails
     */
    public IbvMr regMr(MemorySegment region, int access) {
        return regMr(region, region.address(), access);
    }

    /**
     * {@code ibv_reg_mr_iova2}: registers {@code region}, addressed by peers as {@code iova} onwards
     * (e.g. 0 for zero-based offsets).
     *
     * @param region native memory, kept reachable by the returned MR
     * @param iova the address peers use for the first byte
     * @param access {@code IBV_ACCESS_*} flags
     * @return the memory region
     * @throws IllegalArgumentException for a heap segment
     * @throws NativeCallException if registration fails
     */
    public IbvMr regMr(MemorySegment region, long iova, int access) {
        checkOpen();
        if (!region.isNative()) {
            throw new IllegalArgumentException("only native memory can be registered, not a heap segment");
        }
        CallScratch s = CallScratch.get();
        MemorySegment mr;
        try {
            if (Verbs.H.HAS_REG_MR_IOVA2) {
                mr = (MemorySegment) Verbs.H.REG_MR_IOVA2.invokeExact(s.capture, struct, region,
                        region.byteSize(), iova, access);
            } else if (iova == region.address() && (access & Ibv.IBV_ACCESS_OPTIONAL_RANGE) == 0) {
                mr = (MemorySegment) Verbs.H.REG_MR.invokeExact(s.capture, struct, region, region.byteSize(),
                        access);
            } else {
                throw NativeLibraryUnavailableException.symbolNotFound(Verbs.LIB.name, Verbs.LIB.debianPackage,
                        "ibv_reg_mr_iova2");
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Native.isNull(mr)) {
            throw s.failure("ibv_reg_mr", region.byteSize() + " bytes at 0x" + Long.toHexString(region.address())
                    + ", access 0x" + Integer.toHexString(access));
        }
        return new IbvMr(mr, this, region);
    }

    /**
     * {@code ibv_create_qp}. The attributes' {@code cap} is updated with what the provider granted.
     *
     * @param attr the QP's CQs, type and capacities
     * @return the new QP, in the RESET state
     * @throws NativeCallException if creation fails
     */
    public IbvQp createQp(QpInitAttr attr) {
        checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment qp;
        try {
            qp = (MemorySegment) Verbs.H.CREATE_QP.invokeExact(s.capture, struct, attr.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Native.isNull(qp)) {
            throw s.failure("ibv_create_qp", attr.toString());
        }
        return IbvQp.owned(qp);
    }

    /**
     * {@code ibv_create_srq}: a shared receive queue.
     *
     * @param maxWr receive work requests it holds
     * @param maxSge scatter entries per work request
     * @param srqLimit the low-water mark for {@link Ibv#IBV_EVENT_SRQ_LIMIT_REACHED}, 0 for none
     * @param userContext the {@code srq_context} value
     * @return the new SRQ
     * @throws NativeCallException if creation fails
     */
    public IbvSrq createSrq(int maxWr, int maxSge, int srqLimit, long userContext) {
        checkOpen();
        CallScratch s = CallScratch.get();
        MemorySegment init = s.out.asSlice(CallScratch.ADDR1, Layouts.IBV_SRQ_INIT_ATTR);
        init.fill((byte) 0);
        init.set(java.lang.foreign.ValueLayout.ADDRESS, Layouts.offset(Layouts.IBV_SRQ_INIT_ATTR, "srq_context"),
                MemorySegment.ofAddress(userContext));
        long attr = Layouts.offset(Layouts.IBV_SRQ_INIT_ATTR, "attr");
        init.set(java.lang.foreign.ValueLayout.JAVA_INT, attr, maxWr);
        init.set(java.lang.foreign.ValueLayout.JAVA_INT, attr + 4, maxSge);
        init.set(java.lang.foreign.ValueLayout.JAVA_INT, attr + 8, srqLimit);
        MemorySegment srq;
        try {
            srq = (MemorySegment) Verbs.H.CREATE_SRQ.invokeExact(s.capture, struct, init);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (Native.isNull(srq)) {
            throw s.failure("ibv_create_srq", "max_wr " + maxWr + " max_sge " + maxSge);
        }
        return new IbvSrq(srq);
    }

    @Override
    void release() {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.DEALLOC_PD.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_dealloc_pd", null);
    }
}
