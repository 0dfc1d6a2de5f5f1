package io.rdma4j.verbs;

import io.rdma4j.ConnectionClosedException;
import io.rdma4j.ConnectionException;
import io.rdma4j.spi.EndpointSpec;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * Connection set-up without rdma_cm (provider property {@code rdma4j.verbs.connect=oob}): the two
 * sides exchange their QP addresses over TCP in {@code ibv_rc_pingpong}'s text form
 * ({@code LID:QPN:PSN:GID}, 52 bytes each) and move the QPs through INIT/RTR/RTS by hand.
 *
 * <p>rdma4j's exchange is two such records each way, the data QP's then the control QP's: the
 * connecting side sends first; the accepting side brings both QPs to RTS before it answers; the
 * connecting side then does the same and sends HELLO on the control QP, which the accepting side
 * waits for. The TCP connection stays open: its end is how each side learns the other is gone.
 *
 * <p>With a foreign peer ({@code rdma4j.verbs.control=none}) it is exactly {@code ibv_rc_pingpong}'s
 * exchange: one record each way (connecting side first; the accepting side brings its QP to RTS
 * before it answers), then the connecting side writes {@code "done"} (5 bytes with the NUL) and
 * both close the socket. No control QP is connected; the peer's end shows only as QP errors.
 */
final class OobConnector {
    private OobConnector() {}

    static VerbsEndpoint connect(VerbsDevice device, InetSocketAddress remote, EndpointSpec spec, Duration timeout) {
        Socket socket = new Socket();
        VerbsEndpoint ep = null;
        try {
            socket.setTcpNoDelay(true);
            socket.connect(remote, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            ep = new VerbsEndpoint(device, spec, null);
            if (device.plain) {
                return plainConnect(ep, socket);
            }
            OutputStream out = socket.getOutputStream();
            out.write(ep.localInfo().toWire());
            out.write(ep.control.localInfo().toWire());
            out.flush();
            byte[] answer = readFully(socket.getInputStream(), 2 * QpInfo.WIRE_SIZE);
            ep.connectByHand(QpInfo.fromWire(answer, 0));
            ep.control.connect(QpInfo.fromWire(answer, QpInfo.WIRE_SIZE));
            ep.socket = socket;
            ep.local = (InetSocketAddress) socket.getLocalSocketAddress();
            ep.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
            ep.control.sendHello();
            watch(ep, socket);
            ep.handOver();
            return ep;
        } catch (SocketTimeoutException e) {
            cleanup(ep, socket);
            throw new ConnectionException("no answer from " + remote + " in " + timeout, e);
        } catch (IOException e) {
            cleanup(ep, socket);
            throw new ConnectionException("the out-of-band exchange with " + remote + " failed: " + e, e);
        } catch (RuntimeException e) {
            cleanup(ep, socket);
            throw e;
        }
    }

    /** ibv_rc_pingpong's client side: record out, record in, "done" out, close. */
    private static VerbsEndpoint plainConnect(VerbsEndpoint ep, Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(ep.localInfo().toWire());
        out.flush();
        QpInfo peer = QpInfo.fromWire(readFully(socket.getInputStream(), QpInfo.WIRE_SIZE), 0);
        out.write(DONE);
        out.flush();
        ep.connectByHand(peer);
        ep.local = (InetSocketAddress) socket.getLocalSocketAddress();
        ep.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        socket.close();
        ep.handOver();
        return ep;
    }

    /** What ibv_rc_pingpong's client writes after reading the server's record: "done" and its NUL. */
    static final byte[] DONE = {'d', 'o', 'n', 'e', 0};

    static void cleanup(VerbsEndpoint ep, Socket socket) {
        if (ep != null) {
            VerbsDevice.quietly(ep::close);
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing after a failure
        }
    }

    static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        new DataInputStream(in).readFully(b);
        return b;
    }

    /** A virtual thread that reads the socket until it ends: then the peer is gone. */
    static void watch(VerbsEndpoint ep, Socket socket) {
        Thread.ofVirtual().name("rdma4j-verbs-oob-watch").start(() -> {
            try {
                socket.setSoTimeout(0);
                InputStream in = socket.getInputStream();
                while (in.read() >= 0) {
                    // the peer sends nothing after the exchange; anything is ignored
                }
            } catch (IOException e) {
                // closed locally or reset: the same for us
            }
            ep.peerGone(new ConnectionClosedException("the peer " + ep.remoteAddress() + " closed the connection"));
        });
    }
}
