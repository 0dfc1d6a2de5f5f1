package io.rdma4j.verbs;

import io.rdma4j.ConnectionException;
import io.rdma4j.OperationTimeoutException;
import io.rdma4j.RdmaException;
import io.rdma4j.ResourceClosedException;
import io.rdma4j.ffi.CmEvent;
import io.rdma4j.ffi.CmEventChannel;
import io.rdma4j.ffi.CmId;
import io.rdma4j.ffi.FdWaiter;
import io.rdma4j.ffi.Libc;
import io.rdma4j.ffi.RdmaCm;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A listening rdma_cm id on its own event channel. {@link #accept} takes the next CONNECT_REQUEST,
 * checks the private data is an rdma4j peer's, makes the QPs, connects the control QP, accepts,
 * waits for ESTABLISHED and then for the peer's HELLO, so both sides can post when it returns.
 * Taking requests off the channel is serialised; making the QPs and accepting is not, so a burst
 * of connects is answered by as many accepting threads as wait (each QP costs several system
 * calls, and a connecting peer gives up after its connect timeout). {@link #close} wakes a
 * waiting accept through an eventfd, and waits for the accepts in progress before it destroys
 * the channel their requests' ids still belong to.
 */
final class CmListener implements ProviderListener {
    /** The longest the handshake after a connect request may take. */
    private static final long HANDSHAKE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final VerbsDevice device;
    private final CmEventChannel channel;
    private final CmId id;
    private final int wakeFd;
    private final FdWaiter waiter;
    private final InetSocketAddress local;
    /** Held while reading the channel: one reader at a time. */
    private final Object requestLock = new Object();
    /**
     * Shared by the accepts from taking a request until its id has left this channel; exclusive
     * for {@link #close}, which destroys the channel.
     */
    private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    CmListener(VerbsDevice device, InetSocketAddress address, int backlog) {
        this.device = device;
        CmEventChannel ch = RdmaCm.createEventChannel();
        CmId i = null;
        try {
            ch.setNonBlocking();
            i = CmId.create(ch, RdmaCm.RDMA_PS_TCP);
            i.bindAddr(address);
            i.listen(backlog);
            this.wakeFd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        } catch (RuntimeException e) {
            if (i != null) {
                VerbsDevice.quietly(i::close);
            }
            VerbsDevice.quietly(ch::close);
            throw new RdmaException("listening on " + address + " with rdma_cm failed: " + e.getMessage(), e);
        }
        this.channel = ch;
        this.id = i;
        this.waiter = new FdWaiter(ch.fd(), wakeFd);
        InetSocketAddress bound = i.localAddress();
        this.local = bound != null ? bound : address;
    }

    @Override
    public ProviderEndpoint accept(EndpointSpec spec, Duration timeout) {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        while (true) {
            VerbsEndpoint ep;
            closeLock.readLock().lock();
            try {
                if (closed) {
                    throw new ResourceClosedException("the listener is closed");
                }
                CmEvent request;
                synchronized (requestLock) {
                    request = nextRequest(deadline);
                }
                ep = acceptOne(request, spec);
            } finally {
                closeLock.readLock().unlock();
            }
            if (ep != null && awaitHandshake(ep)) {
                return ep;
            }
        }
    }

    /**
     * Outside the locks, so many handshakes overlap: waits for the peer's HELLO, which it
     * sends once its side is established and its control QP ready (ESTABLISHED and any failure
     * reach the endpoint through the device's event loop, the id having migrated there).
     *
     * @return false when this peer's handshake failed (the caller takes the next request)
     */
    private boolean awaitHandshake(VerbsEndpoint ep) {
        try {
            CmConnector.awaitHello(ep, System.nanoTime() + HANDSHAKE_NANOS, ep.remote);
            ep.tuneAfterEstablished();
            ep.handOver();
            return true;
        } catch (RuntimeException e) {
            VerbsDevice.quietly(ep::close);
            if (closed) {
                throw new ResourceClosedException("the listener is closed");
            }
            VerbsDevice.LOG.log(System.Logger.Level.WARNING, "a connection to " + local + " failed its handshake: "
                    + e.getMessage());
            return false;
        }
    }

    private CmEvent nextRequest(long deadline) {
        while (true) {
            CmEvent ev = CmConnector.next(channel, waiter, deadline, () -> closed);
            if (ev == null) {
                throw new OperationTimeoutException("no connection arrived on " + local + " in time");
            }
            if (ev.event() == RdmaCm.RDMA_CM_EVENT_CONNECT_REQUEST) {
                return ev;
            }
            drainWake();
        }
    }

    private void drainWake() {
        if (waiter.ready(1)) {
            Libc.eventfdRead(wakeFd);
        }
    }

    /** The endpoint, or null when this request was refused or its handshake failed (the next is taken). */
    private VerbsEndpoint acceptOne(CmEvent request, EndpointSpec spec) {
        CmId child = CmId.ofConnectRequest(request);
        QpInfo peerControl;
        try {
            if (child.verbsAddress() != device.context.address()) {
                reject(child, "request arrived on another RDMA device than " + device.name);
                return null;
            }
            peerControl = device.plain ? null : QpInfo.fromPrivateData(request.privateData());
        } catch (ConnectionException e) {
            reject(child, e.getMessage());
            return null;
        }
        VerbsEndpoint ep = null;
        try {
            ep = new VerbsEndpoint(device, spec, child);
            if (peerControl != null) {
                ep.control.connect(peerControl);
            }
            child.setAckTimeout(device.ackTimeoutCode);
            ep.local = child.localAddress();
            ep.remote = child.peerAddress();
            // from now on ESTABLISHED, REJECTED, DISCONNECTED of this id go to the event loop
            device.events.registerCmId(child.address(), ep);
            child.migrate(device.events.cmChannel);
            child.accept(device.plain ? new byte[0] : ep.control.localInfo().toPrivateData(), Math.min(device.rdAtomic, Math.max(1,
                    request.initiatorDepth())), device.rdAtomic, device.retryCount, device.rnrRetry);
            return ep;
        } catch (RuntimeException e) {
            if (ep != null) {
                VerbsDevice.quietly(ep::close);
            } else {
                VerbsDevice.quietly(() -> child.reject(new byte[0]));
                VerbsDevice.quietly(child::close);
            }
            if (e instanceof ResourceClosedException || closed) {
                throw e instanceof ResourceClosedException ? e : new ResourceClosedException("the listener is closed");
            }
            // one peer's failed handshake must not fail the accept: log it and wait for the next request
            VerbsDevice.LOG.log(System.Logger.Level.WARNING, "accepting a connection on " + local + " failed: "
                    + e.getMessage());
            return null;
        }
    }

    private void reject(CmId child, String why) {
        VerbsDevice.LOG.log(System.Logger.Level.WARNING, "refusing a connection on " + local + ": " + why);
        byte[] reason = why.getBytes(StandardCharsets.UTF_8);
        VerbsDevice.quietly(() -> child.reject(java.util.Arrays.copyOf(reason, Math.min(reason.length, 140))));
        VerbsDevice.quietly(child::close);
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        VerbsDevice.quietly(() -> Libc.eventfdWrite(wakeFd, 1));
        // the waiting accept sees closed and leaves; those making QPs finish (or fail) first
        closeLock.writeLock().lock();
        try {
            VerbsDevice.quietly(id::close);
            VerbsDevice.quietly(channel::close);
            VerbsDevice.quietly(() -> Libc.close(wakeFd));
        } finally {
            closeLock.writeLock().unlock();
        }
    }
}
