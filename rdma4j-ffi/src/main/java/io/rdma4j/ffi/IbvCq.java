package io.rdma4j.ffi;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A completion queue: {@code struct ibv_cq}.
 *
 * <pre>{@code
 * struct ibv_cq {
 *     struct ibv_context      *context;
 *     struct ibv_comp_channel *channel;
 *     void                    *cq_context;
 *     uint32_t                 handle;
 *     int                      cqe;
 *     pthread_mutex_t          mutex;
 *     pthread_cond_t           cond;
 *     uint32_t                 comp_events_completed;
 *     uint32_t                 async_events_completed;
 * };
 * }</pre>
 *
 * <p>{@link #poll} and {@link #reqNotify} are the header's inline {@code ibv_poll_cq} and
 * {@code ibv_req_notify_cq}: they call {@code cq->context->ops.poll_cq / req_notify_cq}, read
 * once when this object was made. They allocate nothing and return the provider's code; the
 * {@code ...Critical} variants skip the JVM's thread-state transition (see {@code Hot}).
 */
public final class IbvCq extends NativeResource {
    private static final VarHandle CONTEXT = Layouts.handle(Layouts.IBV_CQ, "context");
    private static final VarHandle CQ_CONTEXT = Layouts.handle(Layouts.IBV_CQ, "cq_context");
    private static final VarHandle HANDLE = Layouts.handle(Layouts.IBV_CQ, "handle");
    private static final VarHandle CQE = Layouts.handle(Layouts.IBV_CQ, "cqe");

    private final MemorySegment pollFn;
    private final MemorySegment reqNotifyFn;
    private final IbvCompChannel channel;

    IbvCq(MemorySegment pointer, IbvCompChannel channel) {
        super(pointer, Layouts.IBV_CQ);
        MemorySegment context = (MemorySegment) CONTEXT.get(struct, 0L);
        this.pollFn = IbvContext.op(context, "poll_cq");
        this.reqNotifyFn = IbvContext.op(context, "req_notify_cq");
        this.channel = channel;
        if (channel != null) {
            channel.register(this);
        }
    }

    /** @return the completion channel, or {@code null} */
    public IbvCompChannel channel() {
        return channel;
    }

    /** @return {@code cq_context}, the value given at creation */
    public long userContext() {
        return ((MemorySegment) CQ_CONTEXT.get(struct, 0L)).address();
    }

    /** @return {@code cqe}: the CQ's real size, at least what was asked */
    public int cqe() {
        return (int) CQE.get(struct, 0L);
    }

    /** @return {@code handle} */
    public int handle() {
        return (int) HANDLE.get(struct, 0L);
    }

    /**
     * {@code ibv_poll_cq(cq, wc.capacity(), wc)}.
     *
     * @param wc where completions go
     * @return how many completions were written (0 if none), negative on error
     */
    public int poll(WorkCompletion wc) {
        try {
            return (int) Hot.POLL.invokeExact(pollFn, struct, wc.capacity(), wc.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@code ibv_poll_cq(cq, max, wc)}.
     *
     * @param wc where completions go
     * @param max at most this many, no more than {@code wc.capacity()}
     * @return how many completions were written (0 if none), negative on error
     */
    public int poll(WorkCompletion wc, int max) {
        checkMax(wc, max);
        try {
            return (int) Hot.POLL.invokeExact(pollFn, struct, max, wc.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@link #poll(WorkCompletion)} as a {@code critical(false)} downcall.
     *
     * @param wc where completions go
     * @return how many completions were written (0 if none), negative on error
     */
    public int pollCritical(WorkCompletion wc) {
        try {
            return (int) Hot.POLL_CRITICAL.invokeExact(pollFn, struct, wc.capacity(), wc.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@link #poll(WorkCompletion, int)} as a {@code critical(false)} downcall.
     *
     * @param wc where completions go
     * @param max at most this many, no more than {@code wc.capacity()}
     * @return how many completions were written (0 if none), negative on error
     */
    public int pollCritical(WorkCompletion wc, int max) {
        checkMax(wc, max);
        try {
            return (int) Hot.POLL_CRITICAL.invokeExact(pollFn, struct, max, wc.segment());
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private static void checkMax(WorkCompletion wc, int max) {
        // the provider writes max entries without looking at the buffer: never let it overrun
        if (max < 0 || max > wc.capacity()) {
            throw new IndexOutOfBoundsException("max " + max + " > capacity " + wc.capacity());
        }
    }

    /**
     * {@code ibv_req_notify_cq}: arm the CQ so that its next completion raises one event on the
     * channel. Poll once more after arming, or a completion that arrived before it is missed.
     *
     * @param solicitedOnly only for solicited receives and errors
     * @return 0, or an errno value
     */
    public int reqNotify(boolean solicitedOnly) {
        try {
            return (int) Hot.REQ_NOTIFY.invokeExact(reqNotifyFn, struct, solicitedOnly ? 1 : 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@link #reqNotify} as a {@code critical(false)} downcall.
     *
     * @param solicitedOnly only for solicited receives and errors
     * @return 0, or an errno value
     */
    public int reqNotifyCritical(boolean solicitedOnly) {
        try {
            return (int) Hot.REQ_NOTIFY_CRITICAL.invokeExact(reqNotifyFn, struct, solicitedOnly ? 1 : 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@code ibv_ack_cq_events}: acknowledge events {@link IbvCompChannel#getCqEvent()} returned
     * for this CQ. Acknowledging takes a mutex, so count and acknowledge in batches; all must be
     * acknowledged before {@link #close()}, which otherwise waits for ever.
     *
     * @param count how many events
     */
    public void ackEvents(int count) {
        try {
            Verbs.H.ACK_CQ_EVENTS.invokeExact(struct, count);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    @Override
    void release() {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.DESTROY_CQ.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_destroy_cq", null);
        if (channel != null) {
            channel.unregister(this);
        }
    }
}
