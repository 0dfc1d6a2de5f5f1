package io.rdma4j.verbs;

import io.rdma4j.ConnectionException;
import io.rdma4j.OperationTimeoutException;
import io.rdma4j.RdmaException;
import io.rdma4j.ResourceClosedException;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The accepting side of the out-of-band exchange (see {@link OobConnector}). */
final class OobListener implements ProviderListener {
    private static final int HANDSHAKE_MILLIS = 30_000;

    private final VerbsDevice device;
    private final ServerSocket server;
    private volatile boolean closed;

    OobListener(VerbsDevice device, InetSocketAddress address, int backlog) {
        this.device = device;
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(address, backlog);
        } catch (IOException e) {
            throw new RdmaException("listening on " + address + " for the out-of-band exchange failed: " + e, e);
        }
    }

    @Override
    public ProviderEndpoint accept(EndpointSpec spec, Duration timeout) {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        while (true) {
            Socket socket;
            try {
                long left = deadline == Long.MAX_VALUE ? 0 : TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (deadline != Long.MAX_VALUE && left <= 0) {
                    throw new OperationTimeoutException("no connection arrived on " + localAddress() + " in time");
                }
                synchronized (this) {
                    server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
                    socket = server.accept();
                }
            } catch (SocketTimeoutException e) {
                throw new OperationTimeoutException("no connection arrived on " + localAddress() + " in time");
            } catch (IOException e) {
                if (closed) {
                    throw new ResourceClosedException("the listener is closed");
                }
                throw new ConnectionException("accepting on " + localAddress() + " failed: " + e, e);
            }
            VerbsEndpoint ep = null;
            try {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(HANDSHAKE_MILLIS);
                if (device.plain) {
                    ep = new VerbsEndpoint(device, spec, null);
                    return plainAccept(ep, socket);
                }
                byte[] request = OobConnector.readFully(socket.getInputStream(), 2 * QpInfo.WIRE_SIZE);
                QpInfo peerData = QpInfo.fromWire(request, 0);
                QpInfo peerControl = QpInfo.fromWire(request, QpInfo.WIRE_SIZE);
                ep = new VerbsEndpoint(device, spec, null);
                ep.connectByHand(peerData);
                ep.control.connect(peerControl);
                OutputStream out = socket.getOutputStream();
                out.write(ep.localInfo().toWire());
                out.write(ep.control.localInfo().toWire());
                out.flush();
                ep.socket = socket;
                ep.local = (InetSocketAddress) socket.getLocalSocketAddress();
                ep.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
                CmConnector.awaitHello(ep, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANDSHAKE_MILLIS), ep.remote);
                OobConnector.watch(ep, socket);
                ep.handOver();
                return ep;
            } catch (IOException | RuntimeException e) {
                OobConnector.cleanup(ep, socket);
                VerbsDevice.LOG.log(System.Logger.Level.WARNING, "an out-of-band handshake on " + localAddress()
                        + " failed: " + e);
                if (closed) {
                    throw new ResourceClosedException("the listener is closed");
                }
                // a broken or foreign peer: wait for the next one
            }
        }
    }

    /**
     * ibv_rc_pingpong's server side: read the record, bring the QP to RTS, answer, read the
     * client's "done" (up to 5 bytes; an early end is tolerated, the QP is connected), close.
     */
    private static VerbsEndpoint plainAccept(VerbsEndpoint ep, Socket socket) throws IOException {
        QpInfo peer = QpInfo.fromWire(OobConnector.readFully(socket.getInputStream(), QpInfo.WIRE_SIZE), 0);
        ep.connectByHand(peer);
        OutputStream out = socket.getOutputStream();
        out.write(ep.localInfo().toWire());
        out.flush();
        java.io.InputStream in = socket.getInputStream();
        byte[] done = new byte[OobConnector.DONE.length];
        for (int n = 0, r; n < done.length && (r = in.read(done, n, done.length - n)) > 0; n += r) {
            // until "done\0" or the end
        }
        ep.local = (InetSocketAddress) socket.getLocalSocketAddress();
        ep.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        socket.close();
        ep.handOver();
        return ep;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            VerbsDevice.LOG.log(System.Logger.Level.DEBUG, "closing the listener: " + e);
        }
    }
}
