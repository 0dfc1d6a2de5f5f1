package io.rdma4j.tcp;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One frame waiting to be written: its header and, for data frames, a view of the registered
 * memory it carries (never a copy). Pooled per endpoint, so the steady state allocates nothing.
 */
final class OutFrame {
    /**
     * Payloads up to this size are copied behind the header at post time (like
     * {@code IBV_SEND_INLINE}) instead of written from a view of registered memory: one buffer
     * for the socket instead of two, and no per-write allocation by the JDK, which tracks every
     * segment-backed buffer of a gathering write with two small objects.
     */
    static final int INLINE_MAX = 256;

    final ByteBuffer header = ByteBuffer.allocateDirect(Frame.HEADER_SIZE + INLINE_MAX)
            .order(ByteOrder.LITTLE_ENDIAN).limit(Frame.HEADER_SIZE);
    /** {@link #header} as a segment, for copying inline payloads without allocating. */
    private final MemorySegment headerSegment = MemorySegment.ofBuffer(header.duplicate().clear());
    /** The payload, or null. */
    ByteBuffer payload;
    /** The registration {@link #view} was made from, so it can be reused for the next frame. */
    TcpRegistration viewOwner;
    ByteBuffer view;
    /** Held for a READ response until it is written: deregistration waits for it. */
    TcpRegistration acquired;
    int opcode;
    /** Counts against the peer's response budget. */
    boolean response;

    /** Points the payload at {@code [offset, offset + length)} of {@code reg}. */
    void payloadFrom(TcpRegistration reg, long offset, int length) {
        if (viewOwner != reg) {
            view = null;
            viewOwner = reg;
        }
        view = reg.view(view, offset, length);
        payload = view;
    }

    /** Copies {@code [offset, offset + length)} of {@code reg} behind the header; length <= {@link #INLINE_MAX}. */
    void payloadInline(TcpRegistration reg, long offset, int length) {
        MemorySegment.copy(reg.segment(), offset, headerSegment, Frame.HEADER_SIZE, length);
        header.limit(Frame.HEADER_SIZE + length);
        payload = null;
    }

    boolean written() {
        return header.remaining() == 0 && (payload == null || payload.remaining() == 0);
    }

    /** Whether nothing of it has gone out yet (an ACK may still be merged into it). */
    boolean untouched() {
        return header.position() == 0;
    }

    void reset() {
        header.clear().limit(Frame.HEADER_SIZE);
        payload = null;
        if (acquired != null) {
            acquired.release();
            acquired = null;
        }
        response = false;
    }
}
