package io.rdma4j.verbs;

import io.rdma4j.ConnectionException;
import io.rdma4j.RdmaException;
import io.rdma4j.ffi.Errno;
import io.rdma4j.ffi.Ibv;
import io.rdma4j.ffi.IbvMr;
import io.rdma4j.ffi.IbvQp;
import io.rdma4j.ffi.QpAttr;
import io.rdma4j.ffi.QpInitAttr;
import io.rdma4j.ffi.RecvWr;
import io.rdma4j.ffi.SendWr;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * The control channel of one endpoint: a second, small RC QP beside the data QP, with its own
 * registered buffers, connected by hand (INIT/RTR/RTS) to the peer's control QP, whose address
 * travels in the rdma_cm private data (or the out-of-band exchange).
 *
 * <p>Why a second QP and not reserved receives on the data QP: a SEND consumes the next receive
 * of the QP in posting order, so control messages would eat the user's receives (and the user's
 * SENDs the control buffers). A separate QP keeps the two streams apart with no tagging, and its
 * completions go to the device's event loop, never to the core's pollers.
 *
 * <p>Flow control: {@value #RECEIVES} receive buffers, re-posted as soon as a message is copied
 * out; the QP's RNR retry is infinite, so a burst waits instead of failing. At most
 * {@value #SENDS} sends are in flight; more are queued here. The accepting side sends nothing
 * before the connecting side's HELLO (a zero-byte SEND with immediate data) says its control QP
 * is ready to receive.
 */
final class ControlChannel {
    static final int RECEIVES = 32;
    static final int SENDS = 16;
    static final int HELLO = 0x52344a48;
    private static final int SIZE = VerbsDevice.MAX_CONTROL_MESSAGE;
    private static final long RECV_FLAG = 1L << 31;

    final VerbsDevice device;
    final int id;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffers;
    private final IbvMr mr;
    final IbvQp qp;
    private final SendWr sendWr;
    private final RecvWr recvWr;
    final int psn = QpInfo.randomPsn();
    private final ArrayDeque<byte[]> queued = new ArrayDeque<>();
    private final int[] freeSends = new int[SENDS];
    private int freeTop;
    final CompletableFuture<Void> hello = new CompletableFuture<>();
    private boolean closed;

    ControlChannel(VerbsDevice device, int id) {
        this.device = device;
        this.id = id;
        IbvMr m = null;
        IbvQp q = null;
        try {
            this.buffers = arena.allocate((long) (RECEIVES + SENDS) * SIZE, 64);
            m = device.pd.regMr(buffers, Ibv.IBV_ACCESS_LOCAL_WRITE);
            QpInitAttr init = QpInitAttr.allocate(arena).rc(device.events.cq, device.events.cq, SENDS + 1, RECEIVES, 1);
            q = device.pd.createQp(init);
            QpAttr attr = QpAttr.allocate(arena);
            q.modify(attr, attr.init(device.port, 0));
        } catch (RuntimeException e) {
            if (q != null) {
                VerbsDevice.quietly(q::close);
            }
            if (m != null) {
                VerbsDevice.quietly(m::close);
            }
            arena.close();
            throw new RdmaException("creating the control queue pair failed: " + e.getMessage(), e);
        }
        this.mr = m;
        this.qp = q;
        this.sendWr = SendWr.allocate(arena, 1, 1);
        this.recvWr = RecvWr.allocate(arena, 1, 1);
        for (int i = 0; i < SENDS; i++) {
            freeSends[freeTop++] = i;
        }
        for (int i = 0; i < RECEIVES; i++) {
            postReceive(i);
        }
    }

    QpInfo localInfo() {
        return new QpInfo(device.lid, qp.qpNum(), psn, device.gid);
    }

    /** INIT to RTR to RTS, towards the peer's control QP. */
    void connect(QpInfo peer) {
        QpAttr attr = QpAttr.allocate(arena);
        boolean global = device.linkLayer == Ibv.IBV_LINK_LAYER_ETHERNET || peer.lid() == 0;
        qp.modify(attr, attr.rtr(device.mtu, peer.qpn(), peer.psn(), peer.lid(), global ? peer.gid() : null,
                device.gidIndex, device.port, 1, 12));
        qp.modify(attr, attr.rts(psn, device.ackTimeoutCode, 7, 7, 1));
    }

    private void postReceive(int slot) {
        recvWr.at(0).reset(wrId(slot, true)).sge(0, buffers.address() + (long) slot * SIZE, SIZE, mr.lkey());
        int rc = qp.postRecv(recvWr);
        if (rc != 0) {
            throw new RdmaException("posting a control receive failed: " + Errno.name(rc));
        }
    }

    private long wrId(int slot, boolean recv) {
        return ((long) id << 32) | (recv ? RECV_FLAG : 0) | slot;
    }

    static int channelId(long wrId) {
        return (int) (wrId >>> 32);
    }

    /** Sends the HELLO that lets the accepting side start. */
    synchronized void sendHello() {
        sendWr.at(0).reset(wrId(SENDS, false), Ibv.IBV_WR_SEND_WITH_IMM, Ibv.IBV_SEND_SIGNALED).immediate(HELLO);
        int rc = qp.postSend(sendWr);
        if (rc != 0) {
            throw new ConnectionException("posting the control HELLO failed: " + Errno.name(rc));
        }
    }

    /** Queues a control message; posts it at once when a send buffer is free. */
    void send(MemorySegment message) {
        long n = message.byteSize();
        if (n > SIZE) {
            throw new IllegalArgumentException("a control message of " + n + " bytes; at most " + SIZE);
        }
        synchronized (this) {
            if (closed) {
                throw new io.rdma4j.ConnectionClosedException("the control channel is closed");
            }
            if (freeTop > 0 && queued.isEmpty()) {
                postSendLocked(freeSends[--freeTop], message);
            } else {
                queued.add(message.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        }
    }

    private void postSendLocked(int slot, MemorySegment message) {
        MemorySegment buf = buffers.asSlice((long) (RECEIVES + slot) * SIZE, SIZE);
        MemorySegment.copy(message, 0, buf, 0, message.byteSize());
        sendWr.at(0).reset(wrId(slot, false), Ibv.IBV_WR_SEND, Ibv.IBV_SEND_SIGNALED);
        if (message.byteSize() > 0) {
            sendWr.sge(0, buf.address(), (int) message.byteSize(), mr.lkey());
        }
        int rc = qp.postSend(sendWr);
        if (rc != 0) {
            freeSends[freeTop++] = slot;
            throw new RdmaException("posting a control message failed: " + Errno.name(rc));
        }
    }

    /**
     * A completion of this channel's QP, on the event loop.
     *
     * @return the received message to hand to the core (outside every lock), or null
     * @throws ConnectionException when the completion says the channel broke
     */
    byte[] onCompletion(long wrId, int status, int byteLength, boolean hasImmediate, int immediate) {
        boolean recv = (wrId & RECV_FLAG) != 0;
        int slot = (int) (wrId & 0x7fffffffL);
        if (status != Ibv.IBV_WC_SUCCESS) {
            throw new ConnectionException("the control channel failed: " + Ibv.wcStatusName(status)
                    + (recv ? " on a receive" : " on a send"));
        }
        synchronized (this) {
            if (closed) {
                return null;
            }
            if (!recv) {
                if (slot < SENDS) {
                    byte[] next = queued.poll();
                    if (next != null) {
                        postSendLocked(slot, MemorySegment.ofArray(next));
                    } else {
                        freeSends[freeTop++] = slot;
                    }
                }
                return null;
            }
            if (slot >= RECEIVES) {
                throw new ConnectionException("control completion for unknown receive " + slot);
            }
            byte[] message = null;
            if (hasImmediate && immediate == HELLO && byteLength == 0) {
                hello.complete(null);
            } else if (byteLength < 0 || byteLength > SIZE) {
                throw new ConnectionException("control message of " + byteLength + " bytes");
            } else {
                message = buffers.asSlice((long) slot * SIZE, byteLength).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            }
            postReceive(slot);
            return message;
        }
    }

    /**
     * Moves the QP to the error state: what is outstanding flushes. Under the lock, so that
     * {@link #close} does not destroy the QP while the modify holds it (EBUSY).
     */
    void toError() {
        synchronized (this) {
            if (closed) {
                return;
            }
            VerbsDevice.toErrorState(qp, "control");
        }
    }

    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queued.clear();
        }
        hello.completeExceptionally(new io.rdma4j.ConnectionClosedException("closed"));
        try {
            VerbsDevice.destroy(qp);
            mr.close();
        } catch (RuntimeException e) {
            // the QP (or MR) is still there and may write its posted receives: leak the buffers
            // rather than free memory the device can still write into
            VerbsDevice.LOG.log(System.Logger.Level.ERROR, "destroying a control queue pair failed; its "
                    + "buffers are leaked on purpose: " + e.getMessage());
            return;
        }
        arena.close();
    }
}
