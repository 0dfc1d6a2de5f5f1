package io.rdma4j.verbs;

import io.rdma4j.RdmaException;
import io.rdma4j.ffi.CmId;
import io.rdma4j.ffi.Errno;
import io.rdma4j.ffi.Ibv;
import io.rdma4j.ffi.IbvQp;
import io.rdma4j.ffi.QpAttr;
import io.rdma4j.ffi.QpInitAttr;
import io.rdma4j.ffi.RecvWr;
import io.rdma4j.ffi.SendWr;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.PartialPostException;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.WorkRequest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An RC endpoint: the data QP (made by rdma_cm, or by hand in oob mode) on the core's CQs, plus
 * its {@link ControlChannel}. Posting patches preallocated {@code ibv_send_wr}/{@code ibv_recv_wr}
 * arrays and calls the provider's post function once per batch: no allocation.
 */
final class VerbsEndpoint implements ProviderEndpoint {
    final VerbsDevice device;
    final EndpointSpec spec;
    final CmId cmId;
    final ControlChannel control;
    final IbvQp qp;
    /**
     * Payloads of WRITEs and SENDs up to this many bytes go inline ({@code IBV_SEND_INLINE}): the
     * provider copies them into the work request as it is posted, so the NIC does not fetch
     * them from registered memory (on rxe: the memory region's lookup, checks and page mapping,
     * per message). What the device granted; 0 where it refused inline data. The core keeps the
     * memory lent until the completion all the same.
     */
    final int maxInline;
    final int psn = QpInfo.randomPsn();
    private final Arena arena = Arena.ofShared();
    private final SendWr sendWr;
    private final RecvWr recvWr;
    private final Object sendLock = new Object();
    private final Object recvLock = new Object();
    volatile Socket socket;
    volatile InetSocketAddress local;
    volatile InetSocketAddress remote;
    private volatile boolean disconnected;
    private volatile boolean localDisconnect;
    private volatile boolean handedOver;
    private final AtomicBoolean notified = new AtomicBoolean();
    private boolean closed;

    /**
     * Makes the data QP (through {@code cmId} when given, else in INIT by hand) and the control QP.
     */
    VerbsEndpoint(VerbsDevice device, EndpointSpec spec, CmId cmId) {
        if (!(spec.sendQueue() instanceof VerbsCompletionQueue sq) || !(spec.receiveQueue() instanceof VerbsCompletionQueue rq)) {
            throw new IllegalArgumentException("the completion queues of a verbs endpoint must come from the verbs device");
        }
        int maxWr = device.limits().maxQueuePairWorkRequests();
        if (spec.sendQueueDepth() < 1 || spec.sendQueueDepth() > maxWr || spec.receiveQueueDepth() < 1
                || spec.receiveQueueDepth() > maxWr) {
            throw new IllegalArgumentException("queue depths " + spec.sendQueueDepth() + "/" + spec.receiveQueueDepth()
                    + " outside 1.." + maxWr + " of " + device.name);
        }
        this.device = device;
        this.spec = spec;
        this.cmId = cmId;
        int id = device.events.reserve();
        ControlChannel c = null;
        IbvQp q = null;
        int inline = 0;
        try {
            // the data QP first: rdma_create_qp fails at once (EINVAL) when the peer gave up on
            // this request, before the control QP is made
            QpInitAttr init = QpInitAttr.allocate(arena);
            int asked = device.inlineRequest;
            try {
                q = createDataQp(init, sq, rq, asked);
            } catch (RuntimeException e) {
                if (asked == 0) {
                    throw e;
                }
                VerbsDevice.LOG.log(System.Logger.Level.DEBUG, device.name + " refused " + asked
                        + " bytes of inline data (" + e.getMessage() + "); trying without");
                try {
                    q = createDataQp(init, sq, rq, 0);
                } catch (RuntimeException again) {
                    again.addSuppressed(e);
                    throw again;
                }
            }
            inline = init.maxInlineData(); // what the device granted
            if (cmId == null) {
                QpAttr attr = QpAttr.allocate(arena);
                q.modify(attr, attr.init(device.port, Ibv.IBV_ACCESS_LOCAL_WRITE | Ibv.IBV_ACCESS_REMOTE_WRITE
                        | Ibv.IBV_ACCESS_REMOTE_READ | Ibv.IBV_ACCESS_REMOTE_ATOMIC));
            }
            c = new ControlChannel(device, id);
        } catch (RuntimeException e) {
            if (q != null) {
                VerbsDevice.quietly(q::close);
            }
            if (c != null) {
                VerbsDevice.quietly(c::close);
            }
            arena.close();
            device.events.unreserve();
            throw e instanceof RdmaException ? e : new RdmaException("creating a queue pair on " + device.name
                    + " failed: " + e.getMessage(), e);
        }
        this.control = c;
        this.qp = q;
        this.maxInline = inline;
        this.sendWr = SendWr.allocate(arena, spec.sendQueueDepth(), 1);
        this.recvWr = RecvWr.allocate(arena, spec.receiveQueueDepth(), 1);
        device.events.register(this);
    }

    /**
     * The data QP, in INIT when made by hand (oob mode), and by rdma_cm otherwise. Fills
     * {@code init} afresh each time: a failed attempt may have left the caps the device wrote
     * back in it.
     */
    private IbvQp createDataQp(QpInitAttr init, VerbsCompletionQueue sq, VerbsCompletionQueue rq, int inlineBytes) {
        init.rc(sq.cq, rq.cq, spec.sendQueueDepth(), spec.receiveQueueDepth(), 1)
                .sqSigAll(false) // the core signals the last request of each post (selectiveSignaling)
                .maxInlineData(inlineBytes);
        return cmId != null ? cmId.createQp(device.pd, init) : device.pd.createQp(init);
    }

    QpInfo localInfo() {
        return new QpInfo(device.lid, qp.qpNum(), psn, device.gid);
    }

    /** oob mode: INIT to RTR to RTS towards the peer's data QP. */
    void connectByHand(QpInfo peer) {
        QpAttr attr = QpAttr.allocate(arena);
        boolean global = device.linkLayer == Ibv.IBV_LINK_LAYER_ETHERNET || peer.lid() == 0;
        qp.modify(attr, attr.rtr(device.mtu, peer.qpn(), peer.psn(), peer.lid(), global ? peer.gid() : null,
                device.gidIndex, device.port, device.rdAtomic, device.rnrTimerCode));
        qp.modify(attr, attr.rts(psn, device.ackTimeoutCode, device.retryCount, device.rnrRetry, device.rdAtomic));
    }

    /** rdma_cm said ESTABLISHED: with a foreign peer that ends the handshake (there is no HELLO). */
    void onEstablished() {
        if (device.plain) {
            control.hello.complete(null);
        }
    }

    /** cm mode, once established: rdma_cm leaves min_rnr_timer at its default; set the configured one. */
    void tuneAfterEstablished() {
        try {
            QpAttr attr = QpAttr.allocate(arena);
            qp.modify(attr, attr.rnrTimer(device.rnrTimerCode));
        } catch (RuntimeException e) {
            VerbsDevice.LOG.log(System.Logger.Level.DEBUG, "setting min_rnr_timer failed: " + e.getMessage());
        }
    }

    @Override
    public void postSend(WorkRequest[] requests, int offset, int count) {
        if (count <= 0) {
            return;
        }
        if (count > sendWr.count()) {
            throw new IllegalArgumentException(count + " work requests in one batch; the send queue holds " + sendWr.count());
        }
        synchronized (sendLock) {
            if (closed) {
                throw new io.rdma4j.ConnectionClosedException("the endpoint is closed");
            }
            for (int i = 0; i < count; i++) {
                WorkRequest r = requests[offset + i];
                int opcode = switch (r.opcode()) {
                    case WRITE -> Ibv.IBV_WR_RDMA_WRITE;
                    case WRITE_WITH_IMM -> Ibv.IBV_WR_RDMA_WRITE_WITH_IMM;
                    case SEND -> Ibv.IBV_WR_SEND;
                    case SEND_WITH_IMM -> Ibv.IBV_WR_SEND_WITH_IMM;
                    case READ -> Ibv.IBV_WR_RDMA_READ;
                    case COMPARE_AND_SWAP -> Ibv.IBV_WR_ATOMIC_CMP_AND_SWP;
                    case FETCH_AND_ADD -> Ibv.IBV_WR_ATOMIC_FETCH_AND_ADD;
                    case RECV, RECV_RDMA_WITH_IMM -> throw new IllegalArgumentException(
                            "postSend of a " + r.opcode() + " work request");
                };
                MemorySegment l = r.local();
                long len = l.byteSize();
                if (len > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("a work request of " + len + " bytes");
                }
                int flags = r.signaled() ? Ibv.IBV_SEND_SIGNALED : 0;
                if (len > 0 && len <= maxInline && carriesPayload(r.opcode())) {
                    flags |= Ibv.IBV_SEND_INLINE;
                }
                sendWr.at(i).reset(r.wrId(), opcode, flags);
                if (len > 0) {
                    sendWr.sge(0, l.address(), (int) len, r.lkey());
                }
                switch (r.opcode()) {
                    case WRITE, READ -> sendWr.rdma(r.remoteAddress(), r.rkey());
                    case WRITE_WITH_IMM -> sendWr.rdma(r.remoteAddress(), r.rkey()).immediate(r.immediate());
                    case SEND_WITH_IMM -> sendWr.immediate(r.immediate());
                    case COMPARE_AND_SWAP -> sendWr.atomic(r.remoteAddress(), r.rkey(), r.compareOrAdd(), r.swap());
                    case FETCH_AND_ADD -> sendWr.atomic(r.remoteAddress(), r.rkey(), r.compareOrAdd(), 0);
                    default -> { }
                }
            }
            sendWr.chain(0, count);
            // critical(false): a WRITE + poll 1.22x faster on rxe (rdma4j-bench/README.md, VerbsCallBench)
            int rc = qp.postSendCritical(sendWr);
            if (rc != 0) {
                int bad = sendWr.indexOf(qp.badSendWr());
                String why = "ibv_post_send failed: " + Errno.name(rc) + " (" + rc + ") " + Errno.describe(rc);
                if (bad > 0) {
                    // the WRs before bad_wr are on the send queue: the core must keep their memory lent
                    throw new PartialPostException(why + "; the first " + bad + " of " + count + " were posted", bad);
                }
                throw new RdmaException(why);
            }
        }
    }

    /** Whether a work request sends its local memory to the peer: only those may go inline. */
    private static boolean carriesPayload(io.rdma4j.spi.WorkOpcode op) {
        return switch (op) {
            case WRITE, WRITE_WITH_IMM, SEND, SEND_WITH_IMM -> true;
            default -> false;
        };
    }

    /** Unsignaled WRs succeed silently; a failed one still reports, and RC completes in order. */
    @Override
    public boolean selectiveSignaling() {
        return true;
    }

    @Override
    public void postReceive(WorkRequest[] requests, int offset, int count) {
        if (count <= 0) {
            return;
        }
        if (count > recvWr.count()) {
            throw new IllegalArgumentException(count + " receives in one batch; the receive queue holds " + recvWr.count());
        }
        synchronized (recvLock) {
            if (closed) {
                throw new io.rdma4j.ConnectionClosedException("the endpoint is closed");
            }
            for (int i = 0; i < count; i++) {
                WorkRequest r = requests[offset + i];
                recvWr.at(i).reset(r.wrId());
                MemorySegment l = r.local();
                if (l.byteSize() > 0) {
                    recvWr.sge(0, l.address(), (int) Math.min(Integer.MAX_VALUE, l.byteSize()), r.lkey());
                }
            }
            recvWr.chain(0, count);
            int rc = qp.postRecvCritical(recvWr); // critical(false), as postSend: the same downcall shape and handle
            if (rc != 0) {
                throw new RdmaException("ibv_post_recv failed: " + Errno.name(rc) + " (" + rc + ") " + Errno.describe(rc));
            }
        }
    }

    @Override
    public MemoryRegistration registerForPeer(MemorySegment segment, int access) {
        return device.registerInternal(segment, access);
    }

    @Override
    public void sendControl(MemorySegment message) {
        if (device.plain) {
            throw new UnsupportedOperationException("no control channel with a foreign peer (rdma4j.verbs.control=none)");
        }
        control.send(message);
    }

    @Override
    public void disconnect() {
        localDisconnect = true;
        breakConnection();
    }

    /** @return whether a disconnect has begun (tests race a close against one) */
    boolean disconnectBegun() {
        return disconnected;
    }

    /**
     * QPs to error (rdma_disconnect tells the peer in cm mode; closing the socket does in oob
     * mode). Whole under the endpoint's lock, so a caller that finds it begun waits until it has
     * ended: a close must not destroy a QP while another thread's modify holds it (the kernel
     * refuses the destroy with EBUSY).
     */
    private void breakConnection() {
        synchronized (this) {
            if (disconnected) {
                return;
            }
            disconnected = true;
            if (cmId != null) {
                try {
                    cmId.disconnect();
                } catch (RuntimeException e) {
                    VerbsDevice.LOG.log(System.Logger.Level.DEBUG, "rdma_disconnect: " + e.getMessage());
                    qpToError();
                }
            } else {
                qpToError();
            }
            control.toError();
            Socket s = socket;
            if (s != null) {
                VerbsDevice.quietly(() -> {
                    try {
                        s.close();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
        }
    }

    private void qpToError() {
        synchronized (sendLock) {
            if (closed) {
                return;
            }
            VerbsDevice.toErrorState(qp, "data");
        }
    }

    /** The endpoint is the core's from now on: failures are reported to its handler. */
    void handOver() {
        handedOver = true;
        if (disconnected && !localDisconnect && notified.compareAndSet(false, true)) {
            spec.handler().onDisconnected(new io.rdma4j.ConnectionClosedException(
                    "the connection to " + remote + " broke during its handshake"));
        }
    }

    /**
     * The peer went away or the control channel broke: flush everything and tell the core, once.
     * Before {@link #handOver} only the handshake fails (the core has no connection yet).
     */
    void peerGone(Throwable cause) {
        breakConnection();
        control.hello.completeExceptionally(cause);
        if (handedOver && !localDisconnect && notified.compareAndSet(false, true)) {
            try {
                spec.handler().onDisconnected(cause);
            } catch (RuntimeException e) {
                VerbsDevice.LOG.log(System.Logger.Level.WARNING, "onDisconnected failed", e);
            }
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public void close() {
        localDisconnect = true;
        breakConnection();
        synchronized (sendLock) {
            synchronized (recvLock) {
                if (closed) {
                    return;
                }
                closed = true;
            }
        }
        device.events.unregister(this);
        RdmaException kept = null;
        try {
            VerbsDevice.destroy(qp);
        } catch (RuntimeException e) { // thrown below, once the rest is freed; the core logs it
            kept = new RdmaException("destroying the data queue pair " + qp.qpNum() + " failed; it stays on its"
                    + " completion queue, which cannot be freed: " + e.getMessage(), e);
        }
        control.close();
        if (cmId != null) {
            VerbsDevice.quietly(cmId::close);
        }
        arena.close();
        if (kept != null) { // the queue pair's work may still reach memory: the core keeps that memory
            throw kept;
        }
    }

    @Override
    public String toString() {
        return "VerbsEndpoint[qpn " + qp.qpNum() + " " + local + " -> " + remote + "]";
    }
}
