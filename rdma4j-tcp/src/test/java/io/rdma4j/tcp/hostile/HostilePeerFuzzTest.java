package io.rdma4j.tcp.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A hostile peer against the tcp provider: frames built from fuzzer input (mutated magic,
 * opcodes, flags, lengths, PSNs, rkeys, addresses, truncated and oversized payloads, control
 * messages) sent from a raw socket to a server that granted it one region between canaries.
 * After every input: no canary changed, no internal error was logged, and every so often a
 * well-behaved client is still served. {@code scripts/fuzz} runs it for longer.
 */
class HostilePeerFuzzTest {
    private static final int[] OPCODES = {RawPeer.SEND, RawPeer.WRITE, RawPeer.READ_REQUEST, RawPeer.COMPARE_SWAP,
        RawPeer.FETCH_ADD, RawPeer.ACK, RawPeer.NAK, RawPeer.READ_RESPONSE, RawPeer.ATOMIC_RESPONSE, RawPeer.CONTROL,
        RawPeer.KEEPALIVE, RawPeer.DISCONNECT, RawPeer.HELLO, RawPeer.READY};

    private static HostileServer server;
    private static long executions;
    private static long framesSent;

    @BeforeAll
    static void start() {
        server = new HostileServer();
    }

    @AfterAll
    static void stop() {
        try {
            server.proveStillServing();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.open() > 0 && System.nanoTime() < deadline) {
                server.check();
                Thread.onSpinWait();
            }
            server.check();
            System.out.printf("hostile peer: %d inputs, %d frames sent, %d connections served, %d still open%n",
                    executions, framesSent, server.connectionsServed(), server.open());
        } finally {
            server.close();
        }
    }

    @FuzzTest(maxDuration = "30s")
    void hostileFrames(FuzzedDataProvider data) throws IOException {
        executions++;
        // Jazzer's SSRF detector: this fuzzer talks to its own loopback server only.
        BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
        try (RawPeer peer = new RawPeer(server.address())) {
            peer.handshake(data.consumeInt(1, 256));
            RawPeer.GrantInfo grant = peer.awaitGrant();
            if (grant == null) {
                throw new AssertionError("the server sent no grant to a peer that did the handshake right");
            }
            int psn = 0;
            int frames = data.consumeInt(1, 24);
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < frames && data.remainingBytes() > 0; i++) {
                int magic = data.consumeInt(0, 15) == 0 ? data.consumeByte() : RawPeer.MAGIC;
                int opcode = data.consumeInt(0, 19) < OPCODES.length ? OPCODES[data.consumeInt(0, OPCODES.length - 1)]
                        : data.consumeInt(0, 255);
                int flags = switch (data.consumeInt(0, 5)) {
                    case 0 -> data.consumeShort();
                    case 1, 2 -> 1;
                    default -> 0;
                };
                int length = switch (data.consumeInt(0, 7)) {
                    case 0 -> data.consumeInt();
                    case 1 -> 8;
                    case 2 -> 0;
                    default -> data.consumeInt(0, 2 * HostileServer.THIRD);
                };
                int framePsn = data.consumeInt(0, 7) == 0 ? data.consumeInt() : psn++;
                int key = switch (data.consumeInt(0, 5)) {
                    case 0 -> data.consumeInt();
                    case 1 -> grant.rkey() + data.consumeInt(-2, 2);
                    default -> grant.rkey();
                };
                long address = switch (data.consumeInt(0, 5)) {
                    case 0 -> data.consumeLong();
                    default -> grant.address() + data.consumeLong(-HostileServer.THIRD - 16, 2L * HostileServer.THIRD);
                };
                long operand = data.consumeInt(0, 3) == 0 ? data.consumeLong() : data.consumeLong(0, 2 * HostileServer.THIRD);
                long operand2 = data.consumeLong();
                burst.write(RawPeer.header(magic, opcode, flags, length, framePsn, key, address, operand, operand2));
                // Payload: all of it, or cut short (the server must wait or drop us, never misplace it).
                int send = length <= 0 ? 0 : Math.min(length, data.consumeInt(0, 3) == 0
                        ? data.consumeInt(0, length) : length);
                send = Math.min(send, 3 * HostileServer.THIRD);
                burst.write(data.consumeBytes(send));
                framesSent++;
            }
            try {
                peer.send(burst.toByteArray());
                peer.flush();
            } catch (IOException e) {
                // the server may drop us mid-burst: that is its right
            }
            peer.drain(20); // give it a moment to answer or close
        }
        server.check();
        if (executions % 64 == 0) {
            server.proveStillServing();
        }
    }

    /** A peer that floods READ requests and never reads the answers is cut off; others go on. */
    @Test
    @Timeout(60)
    void floodOfReadsWithoutReadingIsCutOff() throws IOException {
        long before = server.connectionsServed();
        try (RawPeer peer = new RawPeer(server.address())) {
            peer.handshake(16);
            RawPeer.GrantInfo g = peer.awaitGrant();
            boolean cut = false;
            try {
                for (int psn = 0; psn < 200_000; psn++) {
                    peer.send(RawPeer.header(RawPeer.MAGIC, RawPeer.READ_REQUEST, 0, 0, psn, g.rkey(), g.address(),
                            HostileServer.THIRD, 0));
                }
                peer.flush();
            } catch (IOException e) {
                cut = true; // reset while we were still writing
            }
            assertTrue(cut || peer.closedByServer(20_000), "the server kept serving a peer that never reads");
        }
        server.proveStillServing();
        assertTrue(server.connectionsServed() >= before + 2);
    }

    /** A slow peer sending a frame a byte at a time is served correctly. */
    @Test
    @Timeout(60)
    void slowSenderIsServedCorrectly() throws Exception {
        try (RawPeer peer = new RawPeer(server.address())) {
            peer.handshake(4);
            RawPeer.GrantInfo g = peer.awaitGrant();
            byte[] frame = RawPeer.header(RawPeer.MAGIC, RawPeer.FETCH_ADD, 0, 0, 0, g.rkey(), g.address() + 64, 5, 0);
            for (byte b : frame) {
                peer.send(new byte[] {b});
                peer.flush();
                Thread.sleep(2);
            }
            RawPeer.In answer = peer.read();
            assertEquals(RawPeer.ATOMIC_RESPONSE, answer.opcode());
            assertEquals(0, answer.operand(), "the granted bytes started zeroed");
            peer.send(RawPeer.header(RawPeer.MAGIC, RawPeer.FETCH_ADD, 0, 0, 1, g.rkey(), g.address() + 64, 1, 0));
            peer.flush();
            assertEquals(5, peer.read().operand(), "the first add was applied once");
        }
        server.check();
    }
}
