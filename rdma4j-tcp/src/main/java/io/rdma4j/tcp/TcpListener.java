package io.rdma4j.tcp;

import io.rdma4j.ConnectionException;
import io.rdma4j.OperationTimeoutException;
import io.rdma4j.ResourceClosedException;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Accepts TCP connections and completes the handshake; a peer that fails it is dropped with one log line. */
final class TcpListener implements ProviderListener {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.tcp");
    /** The longest one connecting peer may take over its HELLO before the next is served. */
    private static final long HANDSHAKE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final TcpDevice device;
    private final ServerSocketChannel server;
    private final InetSocketAddress localAddress;
    private volatile boolean closed;

    TcpListener(TcpDevice device, InetSocketAddress address, int backlog) {
        this.device = device;
        try {
            server = ServerSocketChannel.open();
            server.bind(address, backlog);
            localAddress = (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new ConnectionException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized ProviderEndpoint accept(EndpointSpec spec, Duration timeout) {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        while (true) {
            if (closed) {
                throw new ResourceClosedException("the listener on " + localAddress + " is closed");
            }
            SocketChannel ch;
            try {
                long left = timeout == null ? 0 : deadline - System.nanoTime();
                if (timeout != null && left <= 0) {
                    throw new OperationTimeoutException("no connection arrived on " + localAddress + " within "
                            + timeout.toMillis() + " ms");
                }
                server.socket().setSoTimeout(timeout == null ? 0 : (int) Math.max(1, Math.min(Integer.MAX_VALUE,
                        TimeUnit.NANOSECONDS.toMillis(left))));
                Socket s = server.socket().accept();
                ch = s.getChannel();
            } catch (SocketTimeoutException e) {
                throw new OperationTimeoutException("no connection arrived on " + localAddress + " within "
                        + timeout.toMillis() + " ms");
            } catch (IOException e) {
                if (closed) {
                    throw new ResourceClosedException("the listener on " + localAddress + " was closed");
                }
                throw new ConnectionException("accepting on " + localAddress + " failed: " + e.getMessage(), e);
            }
            try {
                long handshakeDeadline = System.nanoTime() + Math.min(HANDSHAKE_NANOS,
                        timeout == null ? Long.MAX_VALUE : Math.max(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(100)));
                return Handshake.accept(device, ch, spec, handshakeDeadline);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "tcp provider: dropped a connection from "
                        + remoteOf(ch) + " that failed the handshake: " + e.getMessage());
                Handshake.close(ch);
            }
        }
    }

    private static String remoteOf(SocketChannel ch) {
        try {
            return String.valueOf(ch.getRemoteAddress());
        } catch (IOException e) {
            return "(unknown)";
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
