package io.rdma4j.tcp.hostile;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A peer that speaks the tcp provider's wire protocol from a plain socket, frame by frame, with
 * whatever it is told to put in them. Knows just enough to get past the handshake and to read
 * the server's GRANT, so fuzzed frames can aim at real keys and addresses.
 */
final class RawPeer implements AutoCloseable {
    static final int HEADER = 40;
    static final byte MAGIC = (byte) 0xA1;
    static final int HELLO = 0x01;
    static final int READY = 0x02;
    static final int SEND = 0x10;
    static final int WRITE = 0x11;
    static final int READ_REQUEST = 0x12;
    static final int COMPARE_SWAP = 0x13;
    static final int FETCH_ADD = 0x14;
    static final int ACK = 0x20;
    static final int NAK = 0x21;
    static final int READ_RESPONSE = 0x22;
    static final int ATOMIC_RESPONSE = 0x23;
    static final int CONTROL = 0x30;
    static final int KEEPALIVE = 0x31;
    static final int DISCONNECT = 0x32;

    /** A frame as read off the wire. */
    record In(int opcode, int length, int psn, int key, long address, long operand, byte[] payload) {}

    /** What the server's GRANT said. */
    record GrantInfo(long address, long length, int rkey) {}

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawPeer(InetSocketAddress server) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(server, 5000);
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    static byte[] header(int magic, int opcode, int flags, int length, int psn, int key, long address, long operand,
                         long operand2) {
        ByteBuffer b = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) magic).put((byte) opcode).putShort((short) flags).putInt(length).putInt(psn).putInt(key)
                .putLong(address).putLong(operand).putLong(operand2);
        return b.array();
    }

    /** HELLO, the server's READY, our READY. */
    void handshake(int sendDepth) throws IOException {
        out.write(header(MAGIC, HELLO, 0, 0, 0, 0, 0, sendDepth, sendDepth));
        In r = read();
        if (r == null || r.opcode != READY) {
            throw new IOException("no READY from the server: " + r);
        }
        out.write(header(MAGIC, READY, 0, 0, 0, 0, 0, sendDepth, sendDepth)); // the confirmation
    }

    /** Reads frames until a CONTROL GRANT arrives; null if the server closed or went quiet. */
    GrantInfo awaitGrant() throws IOException {
        while (true) {
            In f = read();
            if (f == null) {
                return null;
            }
            if (f.opcode == CONTROL && f.payload.length >= 56 && f.payload[1] == 1) {
                ByteBuffer b = ByteBuffer.wrap(f.payload).order(ByteOrder.LITTLE_ENDIAN);
                return new GrantInfo(b.getLong(24), b.getLong(32), b.getInt(40));
            }
        }
    }

    /** One frame, or null at end of stream or after the read timeout. */
    In read() throws IOException {
        try {
            byte[] h = in.readNBytes(HEADER);
            if (h.length < HEADER) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
            int length = b.getInt(4);
            if (length < 0 || length > (64 << 20)) {
                throw new IOException("server sent a frame of length " + length);
            }
            byte[] payload = in.readNBytes(length);
            return new In(b.get(1) & 0xFF, length, b.getInt(8), b.getInt(12), b.getLong(16), b.getLong(24), payload);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** Drains what the server sends for up to {@code millis}; false when it closed the connection. */
    boolean drain(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return read() != null || !socket.isClosed();
        } catch (IOException e) {
            return false;
        } finally {
            socket.setSoTimeout(5000);
        }
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    void flush() throws IOException {
        out.flush();
    }

    /** Reads until the server closes the connection; true if it did within the timeout. */
    boolean closedByServer(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        byte[] sink = new byte[65536];
        long deadline = System.currentTimeMillis() + timeoutMillis;
        try {
            while (System.currentTimeMillis() < deadline) {
                if (in.read(sink) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
