package io.rdma4j.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The plain-Java baseline: blocking {@link SocketChannel}s with TCP_NODELAY over loopback and
 * a server thread that either drains (bandwidth: counts every byte it received) or echoes
 * fixed-size messages (latency). Direct buffers on both sides, as a careful user would write it.
 */
public final class SocketPair implements AutoCloseable {
    /** What the server thread does. */
    public enum Role { DRAIN, ECHO }

    public final SocketChannel client;
    private final SocketChannel accepted;
    private final ServerSocketChannel server;
    private final Thread thread;
    /** Bytes the draining server has received so far. */
    public final AtomicLong received = new AtomicLong();

    /**
     * @param role what the server thread does
     * @param messageSize bytes per echoed message, or the drain buffer size
     */
    public SocketPair(Role role, int messageSize) {
        try {
            server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            client = SocketChannel.open(server.getLocalAddress());
            accepted = server.accept();
            for (SocketChannel c : new SocketChannel[] {client, accepted}) {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                c.configureBlocking(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runnable body = role == Role.DRAIN ? () -> drain(messageSize) : () -> echo(messageSize);
        thread = Thread.ofPlatform().name("baseline-server").daemon(true).start(body);
    }

    private void drain(int bufferSize) {
        ByteBuffer b = ByteBuffer.allocateDirect(bufferSize);
        try {
            while (true) {
                b.clear();
                int n = accepted.read(b);
                if (n < 0) {
                    return;
                }
                received.addAndGet(n);
            }
        } catch (IOException e) {
            // closed: done
        }
    }

    private void echo(int size) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        try {
            while (true) {
                b.clear();
                if (!readFully(accepted, b)) {
                    return;
                }
                b.flip();
                writeFully(accepted, b);
            }
        } catch (IOException e) {
            // closed: done
        }
    }

    /** @return false at end of stream before the first byte */
    public static boolean readFully(SocketChannel c, ByteBuffer b) throws IOException {
        boolean any = false;
        while (b.hasRemaining()) {
            int n = c.read(b);
            if (n < 0) {
                if (!any) {
                    return false;
                }
                throw new EOFException("the peer closed mid-message");
            }
            any = true;
        }
        return true;
    }

    public static void writeFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    @Override
    public void close() {
        try {
            client.close();
            accepted.close();
            server.close();
            thread.join(5000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
