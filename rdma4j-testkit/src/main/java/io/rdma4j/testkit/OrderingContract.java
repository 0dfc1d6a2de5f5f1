package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rdma4j.Access;
import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reliable-connected ordering: operations on one connection take effect at the target in the
 * order they were posted. A SEND (or a WRITE with immediate) after a WRITE finds the WRITE's data
 * placed when its receive completes; later WRITEs to a range win; a READ after a WRITE sees it.
 * Every test posts without waiting in between, so nothing but the provider orders them.
 */
public abstract class OrderingContract extends ContractSupport {
    /** For a provider's subclass. */
    protected OrderingContract() {}

    private static final int BIG = 1 << 20;

    private RdmaContext serverCtx;
    private Pair pair;
    private LocalMr serverMem;
    private LocalMr clientMem;
    private RemoteMr remote;

    @BeforeEach
    void connectPair() {
        serverCtx = openContext();
        RdmaContext clientCtx = openContext();
        pair = connect(serverCtx, clientCtx);
        serverMem = allocate(serverCtx, 4L * BIG);
        clientMem = allocate(clientCtx, 4L * BIG);
        pair.server().grant(serverMem, Access.REMOTE_ALL, Duration.ofMinutes(10));
        remote = pair.client().acceptGrant();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sendAfterWriteFindsTheWritePlaced() {
        LocalMr rcvBuf = allocate(serverCtx, 64);
        for (int i = 0; i < 20; i++) {
            byte[] data = Patterns.bytes(i, BIG + 1);
            clientMem.put(1, data);
            clientMem.putLong(3L * BIG, i);
            CompletableFuture<Received> rcv = pair.server().receiveAsync(rcvBuf.slice(0, 8));
            CompletableFuture<Void> w = pair.client().writeAsync(clientMem.slice(1, BIG + 1), remote.slice(5, BIG + 1));
            CompletableFuture<Void> s = pair.client().sendAsync(clientMem.slice(3L * BIG, 8));
            await(rcv);
            // checked before looking at the WRITE's own completion: the SEND's arrival is the proof
            Patterns.assertHolds("round " + i + ": the WRITE posted before the SEND", serverMem, 5, data);
            assertEquals(i, rcvBuf.getLong(0), "round " + i + ": the SEND's payload");
            await(w);
            await(s);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void writeWithImmAfterWritesFindsThemPlaced() {
        LocalMr rcvBuf = allocate(serverCtx, 64);
        for (int i = 0; i < 10; i++) {
            List<byte[]> parts = new ArrayList<>();
            CompletableFuture<Received> rcv = pair.server().receiveAsync(rcvBuf.slice(0, 64));
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                byte[] d = Patterns.bytes(i * 100 + k, 100_003);
                parts.add(d);
                clientMem.put(k * 200_000L + 1, d);
                fs.add(pair.client().writeAsync(clientMem.slice(k * 200_000L + 1, d.length), remote.slice(k * 200_000L + 7, d.length)));
            }
            clientMem.putInt(3L * BIG, i);
            fs.add(pair.client().writeWithImmAsync(clientMem.slice(3L * BIG, 4), remote.slice(3L * BIG + 1, 4), i));
            Received r = await(rcv);
            assertEquals(new Received(4, true, i, true), r);
            for (int k = 0; k < 8; k++) {
                Patterns.assertHolds("round " + i + ": WRITE " + k + " posted before the WRITE with immediate", serverMem,
                        k * 200_000L + 7, parts.get(k));
            }
            assertEquals(i, serverMem.getInt(3L * BIG + 1));
            fs.forEach(this::await);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void laterWritesToTheSameRangeWin() {
        int n = 200;
        int size = 8192;
        List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            clientMem.put(k * (long) size, Patterns.bytes(k, size));
        }
        for (int k = 0; k < n; k++) {
            fs.add(pair.client().writeAsync(clientMem.slice(k * (long) size, size), remote.slice(3, size)));
        }
        fs.forEach(this::await);
        Patterns.assertHolds("after " + n + " WRITEs to one range, the last", serverMem, 3, Patterns.bytes(n - 1, size));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void readAfterWriteSeesTheWrite() {
        for (int i = 0; i < 30; i++) {
            int size = 1000 + 4099 * i;
            byte[] data = Patterns.bytes(i + 7, size);
            clientMem.put(11, data);
            CompletableFuture<Void> w = pair.client().writeAsync(clientMem.slice(11, size), remote.slice(BIG + 3, size));
            CompletableFuture<Void> r = pair.client().readAsync(clientMem.slice(2L * BIG + 5, size), remote.slice(BIG + 3, size));
            await(r);
            Patterns.assertHolds("round " + i + ": READ posted after a WRITE of the same range", clientMem, 2L * BIG + 5, data);
            await(w);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void atomicsAfterWritesSeeThem() {
        for (int i = 0; i < 50; i++) {
            clientMem.putLong(64, 1000L * i);
            CompletableFuture<Void> w = pair.client().writeAsync(clientMem.slice(64, 8), remote.slice(512, 8));
            CompletableFuture<Long> faa = pair.client().fetchAndAddAsync(remote.slice(512, 8), 1);
            CompletableFuture<Long> cas = pair.client().compareAndSwapAsync(remote.slice(512, 8), 1000L * i + 1, -i);
            assertEquals(1000L * i, await(faa), "round " + i + ": fetch-and-add after a WRITE sees the WRITE");
            assertEquals(1000L * i + 1, await(cas), "round " + i + ": compare-and-swap after the fetch-and-add sees it");
            await(w);
            assertEquals(-i, serverMem.getLong(512));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void orderHoldsWhenCallersQueueBehindAFullSendQueue() {
        RdmaContext s = openContext(b -> b.sendQueueDepth(2).receiveQueueDepth(4));
        RdmaContext c = openContext(b -> b.sendQueueDepth(2).receiveQueueDepth(4));
        Pair p = connect(s, c);
        LocalMr dst = allocate(s, 1 << 20);
        LocalMr src = allocate(c, 1 << 20);
        p.server().grant(dst, Access.REMOTE_ALL, Duration.ofMinutes(1));
        RemoteMr r = p.client().acceptGrant();
        int n = 100;
        for (int k = 0; k < n; k++) {
            src.putLong(8L * k, k);
        }
        CompletableFuture<Received> rcv = p.server().receiveAsync(dst.slice(4096, 8));
        List<CompletableFuture<?>> fs = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            fs.add(p.client().writeAsync(src.slice(8L * k, 8), r.slice(0, 8)));
            fs.add(p.client().fetchAndAddAsync(r.slice(8, 8), 1));
        }
        fs.add(p.client().sendAsync(src.slice(8L * (n - 1), 8)));
        await(rcv);
        assertEquals(n - 1, dst.getLong(0), "the last of " + n + " queued WRITEs to one word");
        assertEquals(n, dst.getLong(8), "queued fetch-and-adds");
        for (int k = 0; k < n; k++) {
            assertEquals((long) k, await(fs.get(2 * k + 1)), "fetch-and-add " + k + " ran in its place in the queue");
        }
        fs.forEach(this::await);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBatchLargerThanTheSendQueueWaitsRatherThanFails() {
        // async-rdma's 11th operation failed with ENOMEM; here later work waits in order instead
        RdmaContext s = openContext(b -> b.sendQueueDepth(8));
        RdmaContext c = openContext(b -> b.sendQueueDepth(8));
        Pair p = connect(s, c);
        LocalMr dst = allocate(s, 1 << 16);
        LocalMr src = allocate(c, 1 << 16);
        p.server().grant(dst, Access.REMOTE_ALL, Duration.ofMinutes(1));
        RemoteMr r = p.client().acceptGrant();
        var batch = p.client().batch();
        for (int k = 0; k < 24; k++) {
            src.putLong(8L * k, 1000 + k);
            batch.write(src.slice(8L * k, 8), r.slice(8L * k, 8));
        }
        batch.write(src.slice(0, 8), r.slice(8L * 30, 8));
        assertEquals(25, batch.size());
        await(batch.submitAsync());
        for (int k = 0; k < 24; k++) {
            assertEquals(1000 + k, dst.getLong(8L * k), "entry " + k + " of a batch of 25 on a send queue of 8");
        }
        assertEquals(1000, dst.getLong(8L * 30));
    }
}
