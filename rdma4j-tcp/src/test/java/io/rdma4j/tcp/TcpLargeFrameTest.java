package io.rdma4j.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Streams of large and small frames back to back, many in flight: the receiver reads large
 * payloads straight into registered memory and small ones through its buffer, and switches
 * between the two on every frame here. Every byte must land where it belongs.
 */
@Timeout(120)
class TcpLargeFrameTest {

    @Test
    void mixedLargeAndSmallWritesAndSendsLandIntact() throws Exception {
        RdmaOptions o = RdmaOptions.builder().provider("tcp").build();
        int big = 64 * 1024;
        int slots = 24;
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener l = server.listen(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            try (Connection c = client.connect(l.localAddress()); Connection s = accepted.get();
                 LocalMr target = server.allocate((long) big * slots); LocalMr src = client.allocate((long) big * slots);
                 LocalMr inbox = server.allocate((long) big * 4)) {
                s.grant(target, Access.REMOTE_ALL, Duration.ofMinutes(1));
                RemoteMr remote = c.acceptGrant();
                for (int round = 0; round < 5; round++) {
                    byte[] expected = new byte[big * slots];
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] = (byte) (i * 31 + round * 7 + (i >>> 16));
                    }
                    src.put(0, expected);
                    List<CompletableFuture<Void>> pending = new ArrayList<>();
                    // sizes alternate around the direct-read threshold and the header size
                    int[] sizes = {big, 8, big, 4095, 4096, 4097, 1, big - 3, 40, big};
                    long off = 0;
                    for (int k = 0; off < (long) big * slots; k++) {
                        int n = (int) Math.min(sizes[k % sizes.length], (long) big * slots - off);
                        pending.add(c.writeAsync(src.slice(off, n), remote.slice(off, n)));
                        off += n;
                    }
                    for (CompletableFuture<Void> f : pending) {
                        f.get();
                    }
                    assertArrayEquals(expected, target.getBytes(0, expected.length), "round " + round);

                    List<CompletableFuture<Received>> recvs = new ArrayList<>();
                    for (int k = 0; k < 4; k++) {
                        recvs.add(s.receiveAsync(inbox.slice((long) k * big, big)));
                    }
                    int[] sendSizes = {big, 16, big - 1, 5000};
                    List<CompletableFuture<Void>> sends = new ArrayList<>();
                    for (int k = 0; k < 4; k++) {
                        sends.add(c.sendAsync(src.slice((long) k * big, sendSizes[k])));
                    }
                    for (CompletableFuture<Void> f : sends) {
                        f.get(); // the sources stay lent until then: the next round writes them
                    }
                    for (int k = 0; k < 4; k++) {
                        assertEquals(sendSizes[k], recvs.get(k).get().byteLength());
                        assertArrayEquals(src.getBytes((long) k * big, sendSizes[k]), inbox.getBytes((long) k * big, sendSizes[k]));
                    }
                }
            }
        }
    }
}
