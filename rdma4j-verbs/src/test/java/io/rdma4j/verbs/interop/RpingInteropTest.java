package io.rdma4j.verbs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.WorkOpcode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Interop with {@code rping} (rdmacm-utils), in both roles, through the verbs provider in rdma_cm
 * mode with a foreign peer ({@code rdma4j.verbs.control=none}: no private data, no control QP).
 *
 * <p>rping's loop, per ping: the client SENDs a buffer advertisement ({@code struct
 * rping_rdma_info}: u64 address, u32 rkey, u32 size, big-endian, 16 bytes) of its source buffer;
 * the server RDMA-READs it and SENDs a 16-byte "go ahead"; the client advertises its sink buffer;
 * the server RDMA-WRITEs the data back ({@code strlen + 1} bytes) and says "go ahead" again; the
 * client compares source and sink ({@code -V}). The client then disconnects; the server's loop
 * ends on DISCONNECTED. The advertised address and rkey are our registrations' own
 * ({@link MemoryRegistration#rkey()}, the segment's address), as a grant carries them.
 */
@Timeout(300)
class RpingInteropTest {
    private static final int SIZE = 1000;
    private static final int COUNT = 50;
    private static final int INFO = 16;
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @BeforeEach
    void guest() {
        Guest.assumeGuest();
    }

    /** rping's client fills its source buffer so for ping {@code ping}; {@code start} cycles 'A'..'z'. */
    static byte[] pingData(int ping, int size) {
        byte[] b = new byte[size];
        byte[] head = String.format("rdma-ping-%d: ", ping).getBytes(StandardCharsets.US_ASCII);
        int cc = Math.min(head.length, size - 1);
        System.arraycopy(head, 0, b, 0, cc);
        int c = 65 + ping % 58;
        for (int i = cc; i < size; i++) {
            b[i] = (byte) c;
            if (++c > 122) {
                c = 65;
            }
        }
        b[size - 1] = 0;
        return b;
    }

    static void advertise(MemorySegment info, MemoryRegistration r, int size) {
        info.set(BE64, 0, r.segment().address());
        info.set(BE32, 8, r.rkey());
        info.set(BE32, 12, size);
    }

    static void checkTool(Tool tool, int rc, String dataPrefix) {
        String out = tool.output();
        // the server's loop ends by finding DISCONNECTED (state 10) where it waits for the next
        // advertisement: it says so on stderr and exits 0; any other "wait for" is a failure
        String errors = tool.errors().replace("wait for RDMA_READ_ADV state 10\n", "");
        assertEquals(0, rc, "rping exit status; its output:\n" + tool.report());
        for (String bad : new String[] {"mismatch", "bogus", "wait for", "error", "failed", "Failed", "unhandled"}) {
            assertTrue(!out.contains(bad) && !errors.contains(bad), "rping reported '" + bad + "':\n" + tool.report());
        }
        for (int i = 0; i < COUNT; i++) {
            String line = dataPrefix + new String(pingData(i, SIZE), 0, SIZE - 1, StandardCharsets.US_ASCII);
            assertTrue(out.contains(line + "\n"), "rping did not print ping " + i + " as expected ('"
                    + line.substring(0, 40) + "...'):\n" + tool.report());
        }
        assertEquals(COUNT, out.lines().filter(l -> l.startsWith(dataPrefix)).count(), "ping lines:\n" + tool.report());
    }

    private static String[] rping(String role, int port, boolean validate) {
        java.util.List<String> c = new java.util.ArrayList<>(java.util.List.of("rping", role, "-a", Guest.address(),
                "-p", String.valueOf(port), "-C", String.valueOf(COUNT), "-v", "-S", String.valueOf(SIZE)));
        if (validate) {
            c.add("-V");
        }
        return c.toArray(String[]::new);
    }

    @Test
    void toolIsServerWeAreClient() throws Exception {
        int port = 7181;
        try (Tool tool = Tool.start(rping("-s", port, false));
             SpiPeer us = new SpiPeer(Guest.config("cm", Guest.gidIndex()))) {
            us.connect(new InetSocketAddress(Guest.address(), port), tool, Duration.ofSeconds(60));
            MemoryRegistration source = us.register(SIZE, AccessFlags.REMOTE_READ);
            MemoryRegistration sink = us.register(SIZE, AccessFlags.LOCAL_WRITE | AccessFlags.REMOTE_WRITE);
            MemoryRegistration msgs = us.register(256, AccessFlags.LOCAL_WRITE); // [0,16) send, [64,..) receive
            MemorySegment send = msgs.segment().asSlice(0, INFO);
            long wr = 0;
            us.postReceive(++wr, msgs, 64, 64);
            for (int ping = 0; ping < COUNT; ping++) {
                byte[] data = pingData(ping, SIZE);
                MemorySegment.copy(data, 0, source.segment(), ValueLayout.JAVA_BYTE, 0, SIZE);
                sink.segment().fill((byte) 0);
                // 1. advertise the source; the server reads it and says go ahead
                advertise(send, source, SIZE);
                long recv = wr;
                us.postSend(++wr, msgs, 0, INFO);
                var done = us.awaitAll(STEP, wr, recv);
                assertEquals(INFO, done.get(recv).byteLength(), "the server's go-ahead after its READ");
                us.postReceive(++wr, msgs, 64, 64);
                // 2. advertise the sink; the server writes the data back and says go ahead
                advertise(send, sink, SIZE);
                recv = wr;
                us.postSend(++wr, msgs, 0, INFO);
                done = us.awaitAll(STEP, wr, recv);
                assertEquals(INFO, done.get(recv).byteLength(), "the server's go-ahead after its WRITE");
                us.postReceive(++wr, msgs, 64, 64);
                byte[] back = sink.segment().toArray(ValueLayout.JAVA_BYTE);
                assertTrue(java.util.Arrays.equals(data, back), "ping " + ping + ": rping wrote back '"
                        + new String(back, StandardCharsets.US_ASCII) + "'");
            }
            us.endpoint.disconnect();
            checkTool(tool, tool.await(Duration.ofSeconds(60)), "server ping data: ");
        }
    }

    @Test
    void weAreServerToolIsClient() throws Exception {
        Tool tool = serveRpingClient(7182, -1);
        checkTool(tool, tool.await(Duration.ofSeconds(60)), "ping data: ");
    }

    /** The check is live: one byte wrong in what we write back, and rping -V says so and fails. */
    @Test
    void rpingClientNoticesBadData() throws Exception {
        Tool tool = serveRpingClient(7183, 3);
        int rc = tool.await(Duration.ofSeconds(60));
        assertTrue(rc != 0 && tool.errors().contains("data mismatch"), "rping -V did not notice (exit " + rc
                + "):\n" + tool.report());
    }

    /** Our rdma_cm server for an rping client; from ping {@code spoil} on, one byte of the echo is wrong. */
    private Tool serveRpingClient(int port, int spoil) throws Exception {
        try (SpiPeer us = new SpiPeer(Guest.config("cm", Guest.gidIndex()))) {
            us.listen(new InetSocketAddress(Guest.address(), port));
            try (Tool tool = Tool.start(rping("-c", port, true))) {
                us.accept(Duration.ofSeconds(60));
                MemoryRegistration buf = us.register(SIZE, AccessFlags.LOCAL_WRITE);
                MemoryRegistration msgs = us.register(256, AccessFlags.LOCAL_WRITE); // [0,16) send, [64,..) receive
                MemorySegment recvBuf = msgs.segment().asSlice(64, 64);
                long wr = 0;
                long pendingRecv = ++wr;
                us.postReceive(pendingRecv, msgs, 64, 64);
                int pings = 0;
                while (true) {
                    // the client's source advertisement, or the flush of our receive when it disconnected
                    SpiPeer.Completion c = us.next(STEP);
                    assertEquals(pendingRecv, c.wrId(), "expected the client's advertisement, got " + c);
                    if (c.status() != 0) {
                        assertEquals(5, c.status(), "the receive should flush when rping disconnects: " + c);
                        break;
                    }
                    assertEquals(INFO, c.byteLength(), "size of rping's source advertisement");
                    long addr = recvBuf.get(BE64, 0);
                    int rkey = recvBuf.get(BE32, 8);
                    int len = recvBuf.get(BE32, 12);
                    assertEquals(SIZE, len, "advertised source size");
                    long sinkRecv = ++wr;
                    us.postReceive(sinkRecv, msgs, 64, 64);
                    // RDMA READ of the client's source
                    buf.segment().fill((byte) 0);
                    us.postRdma(++wr, WorkOpcode.READ, buf, 0, len, addr, rkey);
                    us.awaitAll(STEP, wr);
                    byte[] data = buf.segment().toArray(ValueLayout.JAVA_BYTE);
                    assertTrue(java.util.Arrays.equals(pingData(pings, SIZE), data), "ping " + pings
                            + ": read '" + new String(data, StandardCharsets.US_ASCII) + "'");
                    // go ahead (rping's server sends its 16-byte info buffer, contents unused)
                    us.postSend(++wr, msgs, 0, INFO);
                    var done = us.awaitAll(STEP, wr, sinkRecv);
                    assertEquals(INFO, done.get(sinkRecv).byteLength(), "size of rping's sink advertisement");
                    addr = recvBuf.get(BE64, 0);
                    rkey = recvBuf.get(BE32, 8);
                    len = recvBuf.get(BE32, 12);
                    assertEquals(SIZE, len, "advertised sink size");
                    pendingRecv = ++wr;
                    us.postReceive(pendingRecv, msgs, 64, 64);
                    // RDMA WRITE of the data back, strlen + 1 bytes as rping does, then go ahead
                    int strlen = 0;
                    while (strlen < SIZE && data[strlen] != 0) {
                        strlen++;
                    }
                    if (pings == spoil) {
                        buf.segment().set(ValueLayout.JAVA_BYTE, 20, (byte) '#');
                    }
                    us.postRdma(++wr, WorkOpcode.WRITE, buf, 0, Math.min(SIZE, strlen + 1), addr, rkey);
                    us.awaitAll(STEP, wr);
                    us.postSend(++wr, msgs, 0, INFO);
                    us.awaitAll(STEP, wr);
                    pings++;
                }
                assertEquals(spoil < 0 ? COUNT : spoil + 1, pings, "pings served");
                tool.await(Duration.ofSeconds(60));
                return tool;
            }
        }
    }
}
