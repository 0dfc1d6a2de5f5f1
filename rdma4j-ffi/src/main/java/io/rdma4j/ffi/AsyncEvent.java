package io.rdma4j.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Flyweight over {@code struct ibv_async_event}, filled by {@link IbvContext#getAsyncEvent}.
 *
 * <pre>{@code
 * struct ibv_async_event {
 *     union {
 *         struct ibv_cq  *cq;
 *         struct ibv_qp  *qp;
 *         struct ibv_srq *srq;
 *         struct ibv_wq  *wq;
 *         int             port_num;
 *     } element;
 *     enum ibv_event_type event_type;
 * };
 * }</pre>
 */
public final class AsyncEvent {
    private static final VarHandle ELEMENT = Layouts.handle(Layouts.IBV_ASYNC_EVENT, "element", "qp");
    private static final VarHandle PORT_NUM = Layouts.handle(Layouts.IBV_ASYNC_EVENT, "element", "port_num");
    private static final VarHandle EVENT_TYPE = Layouts.handle(Layouts.IBV_ASYNC_EVENT, "event_type");

    private final MemorySegment segment;

    private AsyncEvent(MemorySegment segment) {
        this.segment = segment;
    }

    /**
     * @param arena owner of the memory
     * @return a zeroed {@code ibv_async_event}
     */
    public static AsyncEvent allocate(Arena arena) {
        return new AsyncEvent(arena.allocate(Layouts.IBV_ASYNC_EVENT));
    }

    /** @return the struct */
    public MemorySegment segment() {
        return segment;
    }

    /** @return {@code event_type}, an {@code IBV_EVENT_*} value */
    public int eventType() {
        return (int) EVENT_TYPE.get(segment, 0L);
    }

    /**
     * @return the CQ, QP, SRQ or WQ the event is about, as an address to compare with
     *     {@link NativeResource#address()} (meaningless for port and device events)
     */
    public long elementAddress() {
        return ((MemorySegment) ELEMENT.get(segment, 0L)).address();
    }

    /** @return {@code element.port_num}, for port events */
    public int portNum() {
        return (int) PORT_NUM.get(segment, 0L);
    }
}
