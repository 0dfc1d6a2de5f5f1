package io.rdma4j.tcp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One frame waiting to be written: its header and, for data frames, a view of the registered
 * memory it carries (never a copy). Pooled per endpoint, so the steady state allocates nothing.
 */
final class OutFrame {
    final ByteBuffer header = ByteBuffer.allocateDirect(Frame.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
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

    boolean written() {
        return header.remaining() == 0 && (payload == null || payload.remaining() == 0);
    }

    /** Whether nothing of it has gone out yet (an ACK may still be merged into it). */
    boolean untouched() {
        return header.position() == 0;
    }

    void reset() {
        header.clear();
        payload = null;
        if (acquired != null) {
            acquired.release();
            acquired = null;
        }
        response = false;
    }
}
