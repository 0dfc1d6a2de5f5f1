package io.rdma4j.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.Batch;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.MemoryInUseException;
import io.rdma4j.MemoryView;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.RemoteMr;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batches through both posting paths of the core: straight into free send slots when nothing
 * waits, and through the wait queue when the send queue is busy; and a refused batch, which
 * must post nothing and leave nothing lent.
 */
@Timeout(120)
class TcpBatchTest {

    @Test
    void batchesPlaceEveryWriteAndReadBackOnBothPaths() throws Exception {
        RdmaOptions o = RdmaOptions.builder().provider("tcp").sendQueueDepth(32).build();
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener l = server.listen(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            try (Connection c = client.connect(l.localAddress()); Connection s = accepted.get();
                 LocalMr target = server.allocate(1 << 16); LocalMr src = client.allocate(1 << 16);
                 LocalMr back = client.allocate(1 << 16)) {
                s.grant(target, Access.REMOTE_ALL, Duration.ofMinutes(1));
                RemoteMr remote = c.acceptGrant();
                for (int round = 0; round < 3; round++) {
                    byte[] data = new byte[1 << 16];
                    for (int i = 0; i < data.length; i++) {
                        data[i] = (byte) (i * 13 + round);
                    }
                    src.put(0, data);
                    // 40 batches of 16 writes of 100 B, submitted without waiting: with a send
                    // queue of 32 most of them queue behind the first two
                    List<CompletableFuture<Void>> futures = new ArrayList<>();
                    for (int b = 0; b < 40; b++) {
                        Batch batch = c.batch();
                        for (int k = 0; k < 16; k++) {
                            long off = (b * 16L + k) * 100;
                            batch.write(src.slice(off, 100), remote.slice(off, 100));
                        }
                        futures.add(batch.submitAsync());
                    }
                    for (CompletableFuture<Void> f : futures) {
                        f.get();
                    }
                    assertArrayEquals(java.util.Arrays.copyOf(data, 64000), target.getBytes(0, 64000), "round " + round);

                    // one batch on an idle connection: the direct path; writes then reads
                    Batch rw = c.batch();
                    for (int k = 0; k < 8; k++) {
                        rw.read(back.slice(k * 1000L, 1000), remote.slice(k * 1000L, 1000));
                    }
                    rw.submit();
                    assertArrayEquals(java.util.Arrays.copyOf(data, 8000), back.getBytes(0, 8000));
                }
            }
        }
    }

    @Test
    void aRefusedBatchPostsNothingAndLendsNothing() throws Exception {
        RdmaOptions o = RdmaOptions.builder().provider("tcp").build();
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener l = server.listen(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            try (Connection c = client.connect(l.localAddress()); Connection s = accepted.get();
                 LocalMr target = server.allocate(4096); LocalMr src = client.allocate(4096)) {
                s.grant(target, Access.REMOTE_ALL, Duration.ofMinutes(1));
                RemoteMr remote = c.acceptGrant();
                src.fill(0, 4096, (byte) 7);
                Batch b = c.batch()
                        .write(src.slice(0, 64), remote.slice(0, 64))
                        .write(src.slice(64, 64), remote.slice(64, 64))
                        .write(src.slice(1024, 64), remote.slice(1024, 64));
                MemoryInUseException e;
                MemoryView v = src.view(1000, 100); // lends [1000, 1100) exclusively
                try {
                    e = assertThrows(MemoryInUseException.class, b::submit);
                } finally {
                    v.close();
                }
                assertTrue(e.getMessage().startsWith("batch entry 2: "), e.getMessage());
                // nothing of it was posted, and the first two entries' lends were given back
                assertEquals(0, target.getLong(0));
                src.fill(0, 4096, (byte) 9); // would fail if any range were still lent
                c.batch().write(src.slice(0, 128), remote.slice(0, 128)).submit();
                assertEquals((byte) 9, target.getByte(127));
                assertEquals(0, target.getByte(1024));
            }
        }
    }
}
