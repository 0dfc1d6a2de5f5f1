package io.rdma4j.verbs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.MemoryRegistration;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Interop with {@code ibv_rc_pingpong} (ibverbs-utils), in both roles, through the verbs provider
 * in oob mode with a foreign peer ({@code rdma4j.verbs.connect=oob}, {@code control=none}): its
 * TCP exchange of {@code LID:QPN:PSN:GID} and then its strict ping-pong of SENDs, {@code -s} bytes
 * each, {@code -n} times each way.
 *
 * <p>The tool sends from and receives into one buffer, so after its first message it echoes
 * ours: we check every message we get back byte for byte. With {@code -c} the tool's server checks
 * that the first byte of every page of the last message is 0 (its client puts 0 there and fills
 * the rest with 0x7b); our messages keep that rule and vary everything else.
 */
@Timeout(300)
class RcPingpongInteropTest {
    private static final int PAGE = 4096;
    private static final int SIZE = 2 * PAGE + 512;
    private static final int ITERS = 100;
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final long RECV = 1_000_000;
    private static final long SEND = 2_000_000;

    @BeforeEach
    void guest() {
        Guest.assumeGuest();
    }

    /** Our i-th message: 0 at the start of every page (what -c checks), a pattern elsewhere. */
    static byte[] message(int i) {
        byte[] b = new byte[SIZE];
        for (int j = 0; j < SIZE; j++) {
            b[j] = j % PAGE == 0 ? 0 : (byte) (i * 131 + j * 7 + 1);
        }
        return b;
    }

    /** What the tool's client sends first: memset 0x7b, then 0 at each page start (-c). */
    static byte[] toolsFirst() {
        byte[] b = new byte[SIZE];
        java.util.Arrays.fill(b, (byte) 0x7b);
        for (int j = 0; j < SIZE; j += PAGE) {
            b[j] = 0;
        }
        return b;
    }

    static void checkData(String what, byte[] expected, MemorySegment got, int byteLength) {
        assertEquals(expected.length, byteLength, what + ": length");
        byte[] actual = got.asSlice(0, byteLength).toArray(ValueLayout.JAVA_BYTE);
        long diff = MemorySegment.mismatch(MemorySegment.ofArray(expected), 0, expected.length,
                MemorySegment.ofArray(actual), 0, actual.length);
        if (diff >= 0) {
            int from = (int) Math.max(0, diff - 8);
            int to = (int) Math.min(actual.length, diff + 8);
            throw new AssertionError(what + ": data mismatch at byte " + diff + ": expected "
                    + HexFormat.of().formatHex(expected, from, to) + ", got " + HexFormat.of().formatHex(actual, from, to));
        }
    }

    static void checkTool(Tool tool, int rc) {
        // rc is the exit status (0 when the tool was waited for elsewhere)
        String all = tool.output() + tool.errors();
        assertEquals(0, rc, "ibv_rc_pingpong exit status; its output:\n" + tool.report());
        for (String bad : new String[] {"invalid data", "Failed", "Couldn't", "failed", "error", "Error"}) {
            assertTrue(!all.contains(bad), "ibv_rc_pingpong reported '" + bad + "':\n" + tool.report());
        }
        assertTrue(tool.output().contains(ITERS + " iters in"), "ibv_rc_pingpong did not finish its " + ITERS
                + " iterations:\n" + tool.report());
    }

    private static String[] tool(int gid, int port, String server) {
        java.util.List<String> c = new java.util.ArrayList<>(java.util.List.of("ibv_rc_pingpong", "-d", Guest.device(),
                "-g", String.valueOf(gid), "-s", String.valueOf(SIZE), "-n", String.valueOf(ITERS), "-p",
                String.valueOf(port), "-c"));
        if (server != null) {
            c.add(server);
        }
        return c.toArray(String[]::new);
    }

    @Test
    void toolIsServerWeAreClient() throws Exception {
        checkTool(toolServer(18601, false), 0);
    }

    /** The check is live: a last message without 0 at the start of page 1 makes the tool's -c complain. */
    @Test
    void toolServerNoticesBadData() throws Exception {
        Tool tool = toolServer(18603, true);
        assertTrue(tool.output().contains("invalid data in page 1"), "ibv_rc_pingpong -c did not notice:\n"
                + tool.report());
    }

    /** Runs the tool as server against our client; {@code spoilLast} breaks the -c rule in the last message. */
    private Tool toolServer(int port, boolean spoilLast) throws Exception {
        int gid = Guest.gidIndex();
        try (Tool tool = Tool.start(tool(gid, port, null));
             SpiPeer us = new SpiPeer(Guest.config("oob", gid))) {
            us.connect(new InetSocketAddress(Guest.address(), port), tool, Duration.ofSeconds(60));
            MemoryRegistration buf = us.register(2L * SIZE, AccessFlags.LOCAL_WRITE);
            MemorySegment out = buf.segment().asSlice(0, SIZE);
            MemorySegment in = buf.segment().asSlice(SIZE, SIZE);
            us.postReceive(RECV, buf, SIZE, SIZE);
            for (int i = 0; i < ITERS; i++) {
                byte[] m = message(i);
                if (spoilLast && i == ITERS - 1) {
                    m[PAGE] = 1;
                }
                MemorySegment.copy(m, 0, out, ValueLayout.JAVA_BYTE, 0, SIZE);
                in.fill((byte) 0xee);
                us.postSend(SEND + i, buf, 0, SIZE);
                var done = us.awaitAll(STEP, SEND + i, RECV + i);
                checkData("echo " + i, m, in, done.get(RECV + i).byteLength());
                if (i + 1 < ITERS) {
                    us.postReceive(RECV + i + 1, buf, SIZE, SIZE);
                }
            }
            int rc = tool.await(Duration.ofSeconds(120));
            assertEquals(0, rc, "ibv_rc_pingpong exit status; its output:\n" + tool.report());
            return tool;
        }
    }

    @Test
    void weAreServerToolIsClient() throws Exception {
        int gid = Guest.gidIndex();
        int port = 18602;
        try (SpiPeer us = new SpiPeer(Guest.config("oob", gid))) {
            us.listen(new InetSocketAddress(Guest.address(), port));
            try (Tool tool = Tool.start(tool(gid, port, Guest.address()))) {
                us.accept(Duration.ofSeconds(60));
                MemoryRegistration buf = us.register(2L * SIZE, AccessFlags.LOCAL_WRITE);
                MemorySegment out = buf.segment().asSlice(0, SIZE);
                MemorySegment in = buf.segment().asSlice(SIZE, SIZE);
                us.postReceive(RECV, buf, SIZE, SIZE);
                for (int i = 0; i < ITERS; i++) {
                    var done = i == 0 ? us.awaitAll(STEP, RECV) : us.awaitAll(STEP, RECV + i, SEND + i - 1);
                    checkData(i == 0 ? "the tool's first message" : "echo " + (i - 1),
                            i == 0 ? toolsFirst() : message(i - 1), in, done.get(RECV + i).byteLength());
                    in.fill((byte) 0xee);
                    if (i + 1 < ITERS) {
                        us.postReceive(RECV + i + 1, buf, SIZE, SIZE);
                    }
                    MemorySegment.copy(message(i), 0, out, ValueLayout.JAVA_BYTE, 0, SIZE);
                    us.postSend(SEND + i, buf, 0, SIZE);
                }
                us.awaitAll(STEP, SEND + ITERS - 1);
                checkTool(tool, tool.await(Duration.ofSeconds(120)));
            }
        }
    }
}
