package io.rdma4j.verbs;

import io.rdma4j.ConnectionException;
import io.rdma4j.OperationTimeoutException;
import io.rdma4j.ResourceClosedException;
import io.rdma4j.ffi.CmEvent;
import io.rdma4j.ffi.CmEventChannel;
import io.rdma4j.ffi.CmId;
import io.rdma4j.ffi.FdWaiter;
import io.rdma4j.ffi.RdmaCm;
import io.rdma4j.spi.EndpointSpec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * The connecting side over rdma_cm: resolve address and route, create the QPs, connect with the
 * control QP's address as private data, take the peer's from the ESTABLISHED event, connect the
 * control QP, say HELLO. The handshake runs on a private event channel; the id then migrates to
 * the device's shared channel, where the event loop sees its DISCONNECTED.
 */
final class CmConnector {
    private CmConnector() {}

    static VerbsEndpoint connect(VerbsDevice device, InetSocketAddress remote, EndpointSpec spec, Duration timeout) {
        if (remote.isUnresolved()) {
            throw new ConnectionException("cannot resolve " + remote.getHostString());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        int ms = (int) Math.max(100, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        CmEventChannel ch = RdmaCm.createEventChannel();
        CmId id = null;
        VerbsEndpoint ep = null;
        try {
            ch.setNonBlocking();
            FdWaiter waiter = new FdWaiter(ch.fd());
            id = CmId.create(ch, RdmaCm.RDMA_PS_TCP);
            id.resolveAddr(null, remote, ms);
            expect(ch, waiter, RdmaCm.RDMA_CM_EVENT_ADDR_RESOLVED, deadline, remote, () -> false);
            if (id.verbsAddress() != device.context.address()) {
                throw new ConnectionException(remote + " is reached through another RDMA device than " + device.name
                        + " (choose the device with -Drdma4j.device)");
            }
            id.resolveRoute(ms);
            expect(ch, waiter, RdmaCm.RDMA_CM_EVENT_ROUTE_RESOLVED, deadline, remote, () -> false);
            ep = new VerbsEndpoint(device, spec, id);
            id.setAckTimeout(device.ackTimeoutCode);
            id.connect(device.plain ? new byte[0] : ep.control.localInfo().toPrivateData(), device.rdAtomic,
                    device.rdAtomic, device.retryCount, device.rnrRetry);
            CmEvent est = expect(ch, waiter, RdmaCm.RDMA_CM_EVENT_ESTABLISHED, deadline, remote, () -> false);
            if (!device.plain) {
                ep.control.connect(QpInfo.fromPrivateData(est.privateData()));
            }
            ep.local = id.localAddress();
            ep.remote = remote;
            ep.tuneAfterEstablished();
            device.events.registerCmId(id.address(), ep);
            id.migrate(device.events.cmChannel);
            if (!device.plain) {
                ep.control.sendHello();
            }
            ch.close();
            ep.handOver();
            return ep;
        } catch (RuntimeException e) {
            if (ep != null) {
                VerbsDevice.quietly(ep::close); // closes the id too
            } else if (id != null) {
                VerbsDevice.quietly(id::close);
            }
            VerbsDevice.quietly(ch::close);
            if (e instanceof io.rdma4j.RdmaException) {
                throw e;
            }
            throw new ConnectionException("connecting to " + remote + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Waits for the next event on {@code ch} and checks it is {@code wanted}; anything else
     * (REJECTED, UNREACHABLE, ADDR_ERROR, ...) is a {@link ConnectionException} saying which.
     */
    static CmEvent expect(CmEventChannel ch, FdWaiter waiter, int wanted, long deadline, Object peer,
                          BooleanSupplier closed) {
        CmEvent ev = next(ch, waiter, deadline, closed);
        if (ev == null) {
            throw new ConnectionException("no answer from " + peer + " in time (waiting for "
                    + RdmaCm.eventStr(wanted) + ")");
        }
        if (ev.event() != wanted) {
            String why = switch (ev.event()) {
                case RdmaCm.RDMA_CM_EVENT_REJECTED -> "the peer refused the connection (nobody listening there, or"
                        + " rejected; reason " + ev.status() + ")";
                case RdmaCm.RDMA_CM_EVENT_UNREACHABLE -> "the peer is unreachable";
                case RdmaCm.RDMA_CM_EVENT_ADDR_ERROR -> "no RDMA device has a route to that address (status "
                        + ev.status() + ")";
                case RdmaCm.RDMA_CM_EVENT_ROUTE_ERROR -> "resolving the route failed (status " + ev.status() + ")";
                case RdmaCm.RDMA_CM_EVENT_CONNECT_ERROR -> "the connection failed (status " + ev.status() + ")";
                default -> "unexpected " + ev;
            };
            throw new ConnectionException("connecting to " + peer + ": " + why + " [" + ev + "]");
        }
        if (ev.status() != 0) {
            throw new ConnectionException("connecting to " + peer + ": " + ev);
        }
        return ev;
    }

    /** The next event, or null at the deadline; throws when {@code closed} becomes true. */
    static CmEvent next(CmEventChannel ch, FdWaiter waiter, long deadline, BooleanSupplier closed) {
        while (true) {
            if (closed.getAsBoolean()) {
                throw new ResourceClosedException("the listener is closed");
            }
            CmEvent ev = ch.getEvent();
            if (ev != null) {
                return ev;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            if (Thread.currentThread().isVirtual()) {
                // poll(2) would pin the carrier (connectAsync/acceptAsync run on virtual threads,
                // and a context may connect many at once): look, then sleep unmounted
                if (waiter.await(0) == 0) {
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new ConnectionException("interrupted while waiting for rdma_cm", e);
                    }
                }
            } else {
                waiter.await((int) Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        }
    }

    /** Waits for the peer's HELLO on the control channel. */
    static void awaitHello(VerbsEndpoint ep, long deadline, Object peer) {
        try {
            ep.control.hello.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new OperationTimeoutException("the peer " + peer + " did not complete the handshake in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while connecting to " + peer, e);
        } catch (ExecutionException e) {
            throw new ConnectionException("the handshake with " + peer + " failed: " + e.getCause().getMessage(), e);
        }
    }
}
