package io.rdma4j.testkit;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.RemoteMr;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.CRC32C;

/**
 * The peer process of {@link ProcessContract}: listens, prints {@code READY <port>}, accepts one
 * connection, grants a region with every access, then serves commands that arrive as SENDs of
 * {@value #COMMAND_SIZE} bytes (an int opcode at 0, then longs at 8, 16, 24):
 * <ul>
 *   <li>{@link #CRC} (offset, length): answers with a SEND of the CRC32C of that range of its region;
 *   <li>{@link #FILL} (offset, length, seed): fills the range with {@link Patterns#bytes}, answers with 8 zero bytes;
 *   <li>{@link #PUSH} (offset, length, seed): takes the next grant the test makes and writes the pattern there
 *       with a WRITE with immediate {@code seed};
 *   <li>{@link #REQUEST} (size): asks the test side for {@code size} bytes with {@code requestRemote}, keeps
 *       the grant and answers with its length;
 *   <li>{@link #EXIT}: answers, closes everything and exits with status 0.
 * </ul>
 * Any failure prints its stack trace and exits with status 2.
 *
 * <p>Arguments: {@code provider host regionSize}.
 */
public final class PeerMain {
    /** Bytes of a command. */
    public static final int COMMAND_SIZE = 64;
    /** Close and exit. */
    public static final int EXIT = 0;
    /** Checksum a range. */
    public static final int CRC = 1;
    /** Fill a range with a pattern. */
    public static final int FILL = 2;
    /** Write a pattern into the test's grant. */
    public static final int PUSH = 3;
    /** Ask the test for memory with requestRemote, keep it, answer with its length. */
    public static final int REQUEST = 4;

    private PeerMain() {}

    /**
     * Runs the peer.
     *
     * @param args provider, host, region size
     */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try {
            run(args[0], args[1], Long.parseLong(args[2]), out);
            out.println("BYE");
            System.exit(0);
        } catch (Throwable t) {
            out.println("PEER FAILED: " + t);
            t.printStackTrace(out);
            System.exit(2);
        }
    }

    private static void run(String provider, String host, long regionSize, PrintStream out) {
        RdmaOptions options = RdmaOptions.builder().provider(provider).operationTimeout(Duration.ofMinutes(5)).build();
        try (RdmaContext ctx = Rdma.open(options);
             Listener listener = ctx.listen(new InetSocketAddress(host, 0))) {
            out.println("READY " + listener.localAddress().getPort());
            try (Connection conn = listener.accept(Duration.ofMinutes(2));
                 LocalMr region = ctx.allocate(regionSize);
                 LocalMr cmd = ctx.allocate(COMMAND_SIZE);
                 LocalMr reply = ctx.allocate(8)) {
                conn.grant(region, Access.REMOTE_ALL, Duration.ofMinutes(10));
                while (true) {
                    conn.receive(cmd.slice());
                    int op = cmd.getInt(0);
                    long a = cmd.getLong(8);
                    long b = cmd.getLong(16);
                    long c = cmd.getLong(24);
                    switch (op) {
                        case CRC -> {
                            CRC32C crc = new CRC32C();
                            crc.update(region.getBytes(a, Math.toIntExact(b)));
                            reply.putLong(0, crc.getValue());
                            conn.send(reply.slice());
                        }
                        case FILL -> {
                            region.put(a, Patterns.bytes(c, Math.toIntExact(b)));
                            reply.putLong(0, 0);
                            conn.send(reply.slice());
                        }
                        case PUSH -> {
                            RemoteMr theirs = conn.acceptGrant();
                            try (LocalMr src = ctx.allocate(b)) {
                                src.put(0, Patterns.bytes(c, Math.toIntExact(b)));
                                conn.writeWithImm(src.slice(), theirs.slice(a, b), (int) c);
                            }
                            conn.release(theirs);
                        }
                        case REQUEST -> {
                            RemoteMr got = conn.requestRemote(a, Access.REMOTE_ALL, Duration.ofMinutes(10));
                            reply.putLong(0, got.length());
                            conn.send(reply.slice());
                        }
                        case EXIT -> {
                            reply.putLong(0, 0);
                            conn.send(reply.slice());
                            return;
                        }
                        default -> throw new IllegalStateException("unknown command " + op);
                    }
                }
            }
        }
    }
}
