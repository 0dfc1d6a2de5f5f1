package io.rdma4j.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A shared receive queue: {@code struct ibv_srq}.
 *
 * <pre>{@code
 * struct ibv_srq {
 *     struct ibv_context *context;
 *     void               *srq_context;
 *     struct ibv_pd      *pd;
 *     uint32_t            handle;
 *     pthread_mutex_t     mutex;
 *     pthread_cond_t      cond;
 *     uint32_t            events_completed;
 * };
 * }</pre>
 *
 * <p>{@link #postRecv} is the inline {@code ibv_post_srq_recv}, through
 * {@code srq->context->ops.post_srq_recv}.
 */
public final class IbvSrq extends NativeResource {
    private static final VarHandle CONTEXT = Layouts.handle(Layouts.IBV_SRQ, "context");
    private static final VarHandle SRQ_CONTEXT = Layouts.handle(Layouts.IBV_SRQ, "srq_context");

    private final MemorySegment postRecvFn;
    private final MemorySegment badRecv;

    IbvSrq(MemorySegment pointer) {
        super(pointer, Layouts.IBV_SRQ);
        this.postRecvFn = IbvContext.op((MemorySegment) CONTEXT.get(struct, 0L), "post_srq_recv");
        this.badRecv = Arena.ofAuto().allocate(8, 8);
    }

    /** @return {@code srq_context}, the value given at creation */
    public long userContext() {
        return ((MemorySegment) SRQ_CONTEXT.get(struct, 0L)).address();
    }

    /**
     * {@code ibv_post_srq_recv} of the chain starting at {@code wrs}' current entry.
     *
     * @param wrs receive work requests
     * @return 0, or an errno value (then see {@link #badRecvWr()})
     */
    public int postRecv(RecvWr wrs) {
        try {
            return (int) Hot.POST_WR.invokeExact(postRecvFn, struct, wrs.current(), badRecv);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** @return the address of the first WR the last failed {@link #postRecv} did not post */
    public long badRecvWr() {
        return badRecv.get(ValueLayout.JAVA_LONG, 0);
    }

    @Override
    void release() {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.DESTROY_SRQ.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_destroy_srq", null);
    }
}
