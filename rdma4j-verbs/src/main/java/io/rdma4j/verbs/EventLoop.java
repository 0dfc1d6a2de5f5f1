package io.rdma4j.verbs;

import io.rdma4j.ConnectionClosedException;
import io.rdma4j.RdmaException;
import io.rdma4j.ffi.CmEvent;
import io.rdma4j.ffi.CmEventChannel;
import io.rdma4j.ffi.FdWaiter;
import io.rdma4j.ffi.Ibv;
import io.rdma4j.ffi.IbvCompChannel;
import io.rdma4j.ffi.IbvCq;
import io.rdma4j.ffi.Libc;
import io.rdma4j.ffi.RdmaCm;
import io.rdma4j.ffi.WorkCompletion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One platform thread per device that serves what is not the core's business: the completion
 * queue of every control QP (through its completion channel) and, in cm mode, the shared rdma_cm
 * event channel of established connections (DISCONNECTED and friends). It waits in
 * {@code poll(2)} on both descriptors and an eventfd that {@link #close} writes. Callbacks into
 * the core run here, outside every provider lock; a failing callback is logged, never fatal.
 */
final class EventLoop implements Runnable {
    private static final int BATCH = 32;

    private final VerbsDevice device;
    private final Arena arena = Arena.ofShared();
    private final IbvCompChannel channel;
    final IbvCq cq;
    final CmEventChannel cmChannel;
    private final int wakeFd;
    private final int capacity;
    private final AtomicInteger usedEntries = new AtomicInteger();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Map<Integer, VerbsEndpoint> byControl = new ConcurrentHashMap<>();
    private final Map<Long, VerbsEndpoint> byCmId = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    EventLoop(VerbsDevice device, int cqEntries) {
        this.device = device;
        this.capacity = cqEntries;
        IbvCompChannel ch = null;
        IbvCq q = null;
        CmEventChannel cm = null;
        int fd = -1;
        try {
            ch = device.context.createCompChannel();
            ch.setNonBlocking();
            q = device.context.createCq(cqEntries, 0, ch, 0);
            if (!device.oob) {
                cm = RdmaCm.createEventChannel();
                cm.setNonBlocking();
            }
            fd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        } catch (RuntimeException e) {
            if (cm != null) {
                VerbsDevice.quietly(cm::close);
            }
            if (q != null) {
                VerbsDevice.quietly(q::close);
            }
            if (ch != null) {
                VerbsDevice.quietly(ch::close);
            }
            arena.close();
            throw new RdmaException("starting the verbs event loop on " + device.name + " failed: " + e.getMessage(), e);
        }
        this.channel = ch;
        this.cq = q;
        this.cmChannel = cm;
        this.wakeFd = fd;
        this.thread = Thread.ofPlatform().daemon().name("rdma4j-verbs-events-" + device.name).unstarted(this);
        thread.start();
    }

    /** A new endpoint id, reserving control CQ room for it. */
    int reserve() {
        int need = ControlChannel.RECEIVES + ControlChannel.SENDS + 1;
        if (usedEntries.addAndGet(need) > capacity) {
            usedEntries.addAndGet(-need);
            throw new RdmaException("too many connections on " + device.name + " for its control completion queue ("
                    + capacity / need + ")");
        }
        return nextId.getAndIncrement();
    }

    /** Gives back what {@link #reserve} took, for an endpoint that failed before {@link #register}. */
    void unreserve() {
        usedEntries.addAndGet(-(ControlChannel.RECEIVES + ControlChannel.SENDS + 1));
    }

    void register(VerbsEndpoint ep) {
        byControl.put(ep.control.id, ep);
    }

    void registerCmId(long cmId, VerbsEndpoint ep) {
        byCmId.put(cmId, ep);
    }

    void unregister(VerbsEndpoint ep) {
        if (byControl.remove(ep.control.id) != null) {
            usedEntries.addAndGet(-(ControlChannel.RECEIVES + ControlChannel.SENDS + 1));
        }
        if (ep.cmId != null) {
            byCmId.remove(ep.cmId.address());
        }
    }

    @Override
    public void run() {
        FdWaiter waiter = cmChannel == null ? new FdWaiter(channel.fd(), wakeFd)
                : new FdWaiter(channel.fd(), wakeFd, cmChannel.fd());
        WorkCompletion wc = WorkCompletion.allocate(arena, BATCH);
        int unacked = 0;
        while (running) {
            try {
                cq.reqNotify(false);
                drain(wc);
                waiter.await(500);
                if (!running) {
                    break;
                }
                if (waiter.ready(1)) {
                    Libc.eventfdRead(wakeFd);
                }
                while (channel.getCqEvent() != null) {
                    if (++unacked >= 16) {
                        cq.ackEvents(unacked);
                        unacked = 0;
                    }
                }
                if (cmChannel != null) {
                    CmEvent ev;
                    while ((ev = cmChannel.getEvent()) != null) {
                        onCmEvent(ev);
                    }
                }
            } catch (RuntimeException | Error e) {
                if (!running) {
                    break;
                }
                VerbsDevice.LOG.log(System.Logger.Level.ERROR, "verbs event loop of " + device.name, e);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        if (unacked > 0) {
            cq.ackEvents(unacked);
        }
    }

    private void drain(WorkCompletion wc) {
        int n;
        while ((n = cq.poll(wc)) > 0) {
            for (int i = 0; i < n; i++) {
                long wrId = wc.wrId(i);
                VerbsEndpoint ep = byControl.get(ControlChannel.channelId(wrId));
                if (ep == null) {
                    continue; // a flush of a closed endpoint
                }
                int status = wc.status(i);
                boolean imm = (wc.wcFlags(i) & Ibv.IBV_WC_WITH_IMM) != 0;
                byte[] message;
                try {
                    message = ep.control.onCompletion(wrId, status, wc.byteLen(i), imm, imm ? wc.immData(i) : 0);
                } catch (RuntimeException e) {
                    ep.peerGone(status == Ibv.IBV_WC_WR_FLUSH_ERR
                            ? new ConnectionClosedException("the connection to " + ep.remoteAddress() + " was closed")
                            : e);
                    continue;
                }
                if (message != null) {
                    try {
                        ep.spec.handler().onControlMessage(MemorySegment.ofArray(message));
                    } catch (RuntimeException e) {
                        VerbsDevice.LOG.log(System.Logger.Level.WARNING, "a control message handler failed", e);
                    }
                }
            }
        }
        if (n < 0) {
            throw new RdmaException("ibv_poll_cq on the control queue failed: " + n);
        }
    }

    private void onCmEvent(CmEvent ev) {
        VerbsEndpoint ep = byCmId.get(ev.id());
        if (ep == null) {
            return;
        }
        switch (ev.event()) {
            case RdmaCm.RDMA_CM_EVENT_DISCONNECTED -> ep.peerGone(new ConnectionClosedException(
                    "the peer " + ep.remoteAddress() + " disconnected"));
            case RdmaCm.RDMA_CM_EVENT_DEVICE_REMOVAL -> ep.peerGone(new ConnectionClosedException(
                    "the RDMA device " + device.name + " was removed"));
            case RdmaCm.RDMA_CM_EVENT_REJECTED, RdmaCm.RDMA_CM_EVENT_CONNECT_ERROR,
                 RdmaCm.RDMA_CM_EVENT_UNREACHABLE -> ep.peerGone(new io.rdma4j.ConnectionException(
                    "the connection with " + ep.remoteAddress() + " failed: " + ev));
            case RdmaCm.RDMA_CM_EVENT_ESTABLISHED -> ep.onEstablished();
            case RdmaCm.RDMA_CM_EVENT_TIMEWAIT_EXIT -> { }
            default -> VerbsDevice.LOG.log(System.Logger.Level.DEBUG, "rdma_cm event " + ev + " for " + ep);
        }
    }

    void close() {
        running = false;
        VerbsDevice.quietly(() -> Libc.eventfdWrite(wakeFd, 1));
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (VerbsEndpoint ep : byControl.values()) {
            VerbsDevice.quietly(ep::close);
        }
        VerbsDevice.quietly(cq::close);
        VerbsDevice.quietly(channel::close);
        if (cmChannel != null) {
            VerbsDevice.quietly(cmChannel::close);
        }
        VerbsDevice.quietly(() -> Libc.close(wakeFd));
        arena.close();
    }
}
