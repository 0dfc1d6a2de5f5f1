package io.rdma4j.tcp;

import io.rdma4j.ConnectionException;
import io.rdma4j.spi.EndpointSpec;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Connection set-up, three frames each read with a deadline: the connector sends HELLO with its
 * queue depths, the acceptor answers READY with its own, the connector confirms with READY. The
 * confirmation is what keeps a connector that gave up (its HELLO still in the backlog, its socket
 * closed) from being handed to the next {@code accept}. Both sides are selected on by their event
 * loops before {@code connect}/{@code accept} return, so either may post at once.
 */
final class Handshake {
    private Handshake() {}

    static TcpEndpoint connect(TcpDevice device, InetSocketAddress remote, EndpointSpec spec, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            configure(ch);
            ch.socket().connect(remote, millisLeft(deadline));
            write(ch, Frame.HELLO, spec);
            int peerDepth = read(ch, Frame.READY, deadline);
            write(ch, Frame.READY, spec);
            TcpEndpoint ep = new TcpEndpoint(device, ch, spec, peerDepth);
            ep.start();
            return ep;
        } catch (ConnectException e) {
            close(ch);
            throw new ConnectionException("connecting to " + remote + " was refused: is an rdma4j listener running there"
                    + " (with the tcp provider)?", e);
        } catch (SocketTimeoutException e) {
            close(ch);
            throw new ConnectionException("connecting to " + remote + " timed out after " + timeout.toMillis()
                    + " ms: is the address right and reachable?", e);
        } catch (IOException e) {
            close(ch);
            throw new ConnectionException("connecting to " + remote + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(ch);
            throw e;
        }
    }

    /** The acceptor's side, on an accepted socket; throws IOException on a bad or slow peer. */
    static TcpEndpoint accept(TcpDevice device, SocketChannel ch, EndpointSpec spec, long deadline) throws IOException {
        configure(ch);
        int peerDepth = read(ch, Frame.HELLO, deadline);
        write(ch, Frame.READY, spec);
        read(ch, Frame.READY, deadline);
        TcpEndpoint ep = new TcpEndpoint(device, ch, spec, peerDepth);
        ep.start();
        return ep;
    }

    private static void configure(SocketChannel ch) throws IOException {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    }

    private static void write(SocketChannel ch, int opcode, EndpointSpec spec) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        Frame.put(b, 0, opcode, 0, 0, 0, 0, 0, spec.sendQueueDepth(), spec.receiveQueueDepth());
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Reads the peer's handshake frame; returns its send queue depth. */
    private static int read(SocketChannel ch, int opcode, long deadline) throws IOException {
        ch.socket().setSoTimeout(millisLeft(deadline));
        byte[] bytes = ch.socket().getInputStream().readNBytes(Frame.HEADER_SIZE);
        if (bytes.length < Frame.HEADER_SIZE) {
            throw new IOException("the peer closed the connection during the handshake");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.get(Frame.OFF_MAGIC) != Frame.MAGIC_VERSION) {
            throw new IOException("the peer does not speak the rdma4j tcp protocol version " + Frame.VERSION
                    + " (first byte 0x" + Integer.toHexString(b.get(0) & 0xFF) + ")");
        }
        if ((b.get(Frame.OFF_OPCODE) & 0xFF) != opcode || b.getInt(Frame.OFF_LENGTH) != 0) {
            throw new IOException("expected " + Frame.opcodeName(opcode) + " but got "
                    + Frame.opcodeName(b.get(Frame.OFF_OPCODE) & 0xFF));
        }
        long depth = b.getLong(Frame.OFF_OPERAND);
        if (depth < 1 || depth > TcpDevice.LIMITS.maxQueuePairWorkRequests()) {
            throw new IOException("the peer announced a send queue depth of " + depth);
        }
        ch.socket().setSoTimeout(0);
        return (int) depth;
    }

    static int millisLeft(long deadline) throws SocketTimeoutException {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        if (ms <= 0) {
            throw new SocketTimeoutException("handshake deadline passed");
        }
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    static void close(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }
}
