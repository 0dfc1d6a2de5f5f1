package io.rdma4j.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A queue pair: {@code struct ibv_qp}.
 *
 * <pre>{@code
 * struct ibv_qp {
 *     struct ibv_context *context;
 *     void               *qp_context;
 *     struct ibv_pd      *pd;
 *     struct ibv_cq      *send_cq;
 *     struct ibv_cq      *recv_cq;
 *     struct ibv_srq     *srq;
 *     uint32_t            handle;
 *     uint32_t            qp_num;
 *     enum ibv_qp_state   state;
 *     enum ibv_qp_type    qp_type;
 *     pthread_mutex_t     mutex;
 *     pthread_cond_t      cond;
 *     uint32_t            events_completed;
 * };
 * }</pre>
 *
 * <p>{@link #postSend} and {@link #postRecv} are the header's inline {@code ibv_post_send} and
 * {@code ibv_post_recv}: they call {@code qp->context->ops.post_send / post_recv}, read once
 * here. They allocate nothing: the {@code bad_wr} out-pointer is this QP's own 8 bytes, so one
 * thread at a time may post to a QP's send queue and one to its receive queue (pass your own
 * out-pointer to the four-argument forms otherwise). They return 0 or an errno value (ENOMEM:
 * queue full, EINVAL: bad WR); on failure {@link #badSendWr()} points at the first WR not posted.
 */
public final class IbvQp extends NativeResource {
    private static final VarHandle CONTEXT = Layouts.handle(Layouts.IBV_QP, "context");
    private static final VarHandle QP_CONTEXT = Layouts.handle(Layouts.IBV_QP, "qp_context");
    private static final VarHandle HANDLE = Layouts.handle(Layouts.IBV_QP, "handle");
    private static final VarHandle QP_NUM = Layouts.handle(Layouts.IBV_QP, "qp_num");
    private static final VarHandle QP_TYPE = Layouts.handle(Layouts.IBV_QP, "qp_type");

    private final MemorySegment postSendFn;
    private final MemorySegment postRecvFn;
    private final MemorySegment badSend;
    private final MemorySegment badRecv;
    private final int qpNum;
    private final CmId cmId;

    private IbvQp(MemorySegment pointer, CmId cmId) {
        super(pointer, Layouts.IBV_QP);
        MemorySegment context = (MemorySegment) CONTEXT.get(struct, 0L);
        this.postSendFn = IbvContext.op(context, "post_send");
        this.postRecvFn = IbvContext.op(context, "post_recv");
        MemorySegment out = Arena.ofAuto().allocate(16, 8);
        this.badSend = out.asSlice(0, 8);
        this.badRecv = out.asSlice(8, 8);
        this.qpNum = (int) QP_NUM.get(struct, 0L);
        this.cmId = cmId;
    }

    static IbvQp owned(MemorySegment pointer) {
        return new IbvQp(pointer, null);
    }

    static IbvQp ofCmId(MemorySegment pointer, CmId id) {
        return new IbvQp(pointer, id);
    }

    /** @return {@code qp_num}: what the peer puts in {@code dest_qp_num} */
    public int qpNum() {
        return qpNum;
    }

    /** @return {@code handle} */
    public int handle() {
        return (int) HANDLE.get(struct, 0L);
    }

    /** @return {@code qp_type}, e.g. {@link Ibv#IBV_QPT_RC} */
    public int qpType() {
        return (int) QP_TYPE.get(struct, 0L);
    }

    /** @return {@code qp_context}, the value given at creation */
    public long userContext() {
        return ((MemorySegment) QP_CONTEXT.get(struct, 0L)).address();
    }

    /** @return the {@link CmId} that created this QP, or {@code null} if it was {@code ibv_create_qp} */
    public CmId cmId() {
        return cmId;
    }

    /**
     * {@code ibv_post_send} of the chain starting at {@code wrs}' current entry.
     *
     * @param wrs work requests, positioned with {@link SendWr#at}
     * @return 0, or an errno value (then see {@link #badSendWr()})
     */
    public int postSend(SendWr wrs) {
        return postSend(wrs.current());
    }

    /**
     * {@code ibv_post_send(qp, wr, &bad_wr)}.
     *
     * @param wr the first {@code struct ibv_send_wr} of a chain
     * @return 0, or an errno value
     */
    public int postSend(MemorySegment wr) {
        try {
            return (int) Hot.POST_WR.invokeExact(postSendFn, struct, wr, badSend);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@code ibv_post_send} with the caller's {@code bad_wr} out-pointer, for concurrent posters.
     *
     * @param wr the first {@code struct ibv_send_wr} of a chain
     * @param badWr 8 bytes that receive the first failed WR's address
     * @return 0, or an errno value
     */
    public int postSend(MemorySegment wr, MemorySegment badWr) {
        try {
            return (int) Hot.POST_WR.invokeExact(postSendFn, struct, wr, badWr);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@link #postSend(SendWr)} as a {@code critical(false)} downcall.
     *
     * @param wrs work requests, positioned with {@link SendWr#at}
     * @return 0, or an errno value
     */
    public int postSendCritical(SendWr wrs) {
        return postSendCritical(wrs.current());
    }

    /**
     * {@link #postSend(MemorySegment)} as a {@code critical(false)} downcall.
     *
     * @param wr the first {@code struct ibv_send_wr} of a chain
     * @return 0, or an errno value
     */
    public int postSendCritical(MemorySegment wr) {
        try {
            return (int) Hot.POST_WR_CRITICAL.invokeExact(postSendFn, struct, wr, badSend);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** @return the address of the first WR the last failed {@link #postSend} did not post */
    public long badSendWr() {
        return badSend.get(ValueLayout.JAVA_LONG, 0);
    }

    /**
     * {@code ibv_post_recv} of the chain starting at {@code wrs}' current entry.
     *
     * @param wrs receive work requests, positioned with {@link RecvWr#at}
     * @return 0, or an errno value (then see {@link #badRecvWr()})
     */
    public int postRecv(RecvWr wrs) {
        return postRecv(wrs.current());
    }

    /**
     * {@code ibv_post_recv(qp, wr, &bad_wr)}.
     *
     * @param wr the first {@code struct ibv_recv_wr} of a chain
     * @return 0, or an errno value
     */
    public int postRecv(MemorySegment wr) {
        try {
            return (int) Hot.POST_WR.invokeExact(postRecvFn, struct, wr, badRecv);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@code ibv_post_recv} with the caller's {@code bad_wr} out-pointer.
     *
     * @param wr the first {@code struct ibv_recv_wr} of a chain
     * @param badWr 8 bytes that receive the first failed WR's address
     * @return 0, or an errno value
     */
    public int postRecv(MemorySegment wr, MemorySegment badWr) {
        try {
            return (int) Hot.POST_WR.invokeExact(postRecvFn, struct, wr, badWr);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@link #postRecv(RecvWr)} as a {@code critical(false)} downcall.
     *
     * @param wrs receive work requests, positioned with {@link RecvWr#at}
     * @return 0, or an errno value
     */
    public int postRecvCritical(RecvWr wrs) {
        return postRecvCritical(wrs.current());
    }

    /**
     * {@link #postRecv(MemorySegment)} as a {@code critical(false)} downcall.
     *
     * @param wr the first {@code struct ibv_recv_wr} of a chain
     * @return 0, or an errno value
     */
    public int postRecvCritical(MemorySegment wr) {
        try {
            return (int) Hot.POST_WR_CRITICAL.invokeExact(postRecvFn, struct, wr, badRecv);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** @return the address of the first WR the last failed {@link #postRecv} did not post */
    public long badRecvWr() {
        return badRecv.get(ValueLayout.JAVA_LONG, 0);
    }

    /**
     * {@code ibv_modify_qp}: e.g. RESET to INIT to RTR to RTS, or to ERR to flush.
     *
     * @param attr the new attributes
     * @param mask which of them to apply, {@code IBV_QP_*}
     * @throws NativeCallException if the provider refuses (EINVAL names no field: check the mask
     *     against the transition's required attributes)
     */
    public void modify(QpAttr attr, int mask) {
        checkOpen();
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.MODIFY_QP.invokeExact(s.capture, struct, attr.segment(), mask);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_modify_qp", "to " + Ibv.qpStateName(attr.qpState()) + ", mask 0x"
                + Integer.toHexString(mask));
    }

    /**
     * {@code ibv_query_qp}.
     *
     * @param attr receives the attributes
     * @param mask which ones, {@code IBV_QP_*}
     * @param initAttr receives the creation attributes
     * @throws NativeCallException if the query fails
     */
    public void query(QpAttr attr, int mask, QpInitAttr initAttr) {
        checkOpen();
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.QUERY_QP.invokeExact(s.capture, struct, attr.segment(), mask, initAttr.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_query_qp", null);
    }

    /**
     * The current state, by {@code ibv_query_qp} (the struct's {@code state} field is not kept
     * up to date by every provider).
     *
     * @return an {@code IBV_QPS_*} value
     */
    public int queryState() {
        try (Arena arena = Arena.ofConfined()) {
            QpAttr attr = QpAttr.allocate(arena);
            query(attr, Ibv.IBV_QP_STATE, QpInitAttr.allocate(arena));
            return attr.qpState();
        }
    }

    @Override
    void release() {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.DESTROY_QP.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_destroy_qp", null);
        if (cmId != null) {
            cmId.forgetQp();
        }
    }
}
