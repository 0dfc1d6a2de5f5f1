package io.rdma4j.ffi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A completion channel: {@code struct ibv_comp_channel}, the descriptor that becomes readable
 * when an armed CQ ({@link IbvCq#reqNotify}) gets a completion.
 *
 * <pre>{@code
 * struct ibv_comp_channel {
 *     struct ibv_context *context;
 *     int                 fd;
 *     int                 refcnt;
 * };
 * }</pre>
 *
 * <p>{@code ibv_get_cq_event} blocks in {@code read(2)} and cannot be woken; for a waiter that can
 * be stopped, call {@link #setNonBlocking()} and wait with {@link FdWaiter} on {@link #fd()}.
 */
public final class IbvCompChannel extends NativeResource {
    private static final VarHandle FD = Layouts.handle(Layouts.IBV_COMP_CHANNEL, "fd");

    /** The CQs created on this channel, so an event maps back to its Java object without a map lookup. */
    private volatile IbvCq[] cqs = new IbvCq[0];

    IbvCompChannel(MemorySegment pointer) {
        super(pointer, Layouts.IBV_COMP_CHANNEL);
    }

    /** @return {@code fd} */
    public int fd() {
        return (int) FD.get(struct, 0L);
    }

    /**
     * Makes {@link #getCqEvent()} return {@code null} instead of blocking.
     *
     * @throws NativeCallException if fcntl fails
     */
    public void setNonBlocking() {
        Libc.setNonBlocking(fd());
    }

    /**
     * {@code ibv_get_cq_event}: the CQ that raised a completion event. Acknowledge each event
     * with {@link IbvCq#ackEvents} (batched is fine) before destroying the CQ, and re-arm it with
     * {@link IbvCq#reqNotify} before polling it empty.
     *
     * @return the CQ, or {@code null} when non-blocking and there is no event
     * @throws NativeCallException if reading the channel fails
     */
    public IbvCq getCqEvent() {
        CallScratch s = CallScratch.get();
        MemorySegment cqOut = s.out.asSlice(CallScratch.PTR1, 8);
        MemorySegment contextOut = s.out.asSlice(CallScratch.PTR2, 8);
        int rc;
        try {
            rc = (int) Verbs.H.GET_CQ_EVENT.invokeExact(s.capture, struct, cqOut, contextOut);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (rc != 0) {
            if (s.errno() == Errno.EAGAIN) {
                return null;
            }
            throw s.failure("ibv_get_cq_event", null);
        }
        long address = cqOut.get(ValueLayout.JAVA_LONG, 0);
        for (IbvCq cq : cqs) {
            if (cq.address() == address) {
                return cq;
            }
        }
        // a CQ this binding did not create: nothing to map it to, but the event is real
        throw new IllegalStateException("completion event for unknown CQ 0x" + Long.toHexString(address));
    }

    synchronized void register(IbvCq cq) {
        IbvCq[] next = Arrays.copyOf(cqs, cqs.length + 1);
        next[cqs.length] = cq;
        cqs = next;
    }

    synchronized void unregister(IbvCq cq) {
        cqs = Arrays.stream(cqs).filter(c -> c != cq).toArray(IbvCq[]::new);
    }

    @Override
    void release() {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) Verbs.H.DESTROY_COMP_CHANNEL.invokeExact(s.capture, struct);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(rc, s, "ibv_destroy_comp_channel", null);
    }
}
