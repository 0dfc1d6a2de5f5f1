package io.rdma4j.tcp.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An idle connection hears from its peer every ack timeout (KEEPALIVE), so a peer or link that
 * goes silent is found even with nothing posted, and a quiet but live peer is never dropped.
 * Silence bound here: ack timeout 100 ms x (2 retries + 1) = 300 ms.
 */
@Timeout(30)
class KeepaliveTest {
    private static final RdmaOptions OPTIONS = RdmaOptions.builder().provider("tcp")
            .ackTimeout(Duration.ofMillis(100)).retryCount(2).build();

    @Test
    void idleSilentPeerIsDroppedAndALiveOneIsKept() throws Exception {
        try (RdmaContext ctx = Rdma.open(OPTIONS); Listener l = ctx.listen(new InetSocketAddress("127.0.0.1", 0))) {
            // A peer that keeps sending KEEPALIVE stays connected well past the silence bound.
            CompletableFuture<Connection> first = l.acceptAsync();
            try (RawPeer live = new RawPeer(l.localAddress())) {
                live.handshake(4);
                Connection c = first.get(5, TimeUnit.SECONDS);
                boolean heardKeepalive = false;
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                while (System.nanoTime() < end) {
                    live.send(RawPeer.header(RawPeer.MAGIC, RawPeer.KEEPALIVE, 0, 0, 0, 0, 0, 0, 0));
                    live.flush();
                    while (live.drainOne(50) instanceof RawPeer.In f) {
                        heardKeepalive |= f.opcode() == RawPeer.KEEPALIVE;
                    }
                }
                assertTrue(c.isOpen(), "a live peer that sends keepalives was dropped");
                assertTrue(heardKeepalive, "an idle endpoint sent no KEEPALIVE within 1.5 s");
                c.close();
            }
            // A peer that goes silent after the handshake is dropped within the bound, with nothing posted.
            CompletableFuture<Connection> second = l.acceptAsync();
            try (RawPeer silent = new RawPeer(l.localAddress())) {
                silent.handshake(4);
                Connection c = second.get(5, TimeUnit.SECONDS);
                long t0 = System.nanoTime();
                while (c.isOpen() && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
                    Thread.sleep(10);
                }
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertFalse(c.isOpen(), "an idle connection to a silent peer stayed open for 5 s");
                assertTrue(ms < 2000, "took " + ms + " ms for a 300 ms silence bound");
                assertEquals(true, silent.closedByServer(2000), "the server did not close the socket");
            }
        }
    }
}
