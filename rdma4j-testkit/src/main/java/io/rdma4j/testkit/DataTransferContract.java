package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Data correctness of every operation, for sizes from 1 byte to {@link #maxTransferSize()}
 * (16 MiB), at unaligned offsets on both sides: every byte arrives, in place, and nothing around
 * the target range changes (guard bytes).
 */
public abstract class DataTransferContract extends ContractSupport {
    /** For a provider's subclass. */
    protected DataTransferContract() {}

    /** Bytes checked on either side of every target range. */
    protected static final int GUARD = 32;
    private static final byte SENTINEL = 0x5A;

    private RdmaContext serverCtx;
    private RdmaContext clientCtx;
    private Pair pair;
    /** Granted to the client with every access. */
    private LocalMr serverMem;
    private LocalMr clientMem;
    private RemoteMr remote;

    /**
     * Sizes every data test transfers: powers of two, their neighbours and odd sizes.
     *
     * @return the sizes up to {@link #maxTransferSize()}
     */
    protected List<Integer> sizes() {
        int[] all = {1, 2, 3, 7, 8, 9, 63, 64, 65, 511, 4095, 4096, 4097, 65535, 65536 + 7, (1 << 20) - 1, (1 << 20) + 3,
                (4 << 20) + 5, 16 << 20};
        List<Integer> out = new ArrayList<>();
        for (int s : all) {
            if (s <= maxTransferSize()) {
                out.add(s);
            }
        }
        return out;
    }

    /** An unaligned offset that varies with the case, so alignment luck cannot hide a bug. */
    private static long localOffset(int i) {
        return GUARD + 3 + (i % 5);
    }

    private static long remoteOffset(int i) {
        return GUARD + 13 + (i % 7);
    }

    @BeforeEach
    void connectPair() {
        serverCtx = openContext();
        clientCtx = openContext();
        pair = connect(serverCtx, clientCtx);
        long size = maxTransferSize() + 2L * GUARD + 64;
        serverMem = allocate(serverCtx, size);
        clientMem = allocate(clientCtx, size);
        pair.server().grant(serverMem, Access.REMOTE_ALL, Duration.ofMinutes(10));
        remote = pair.client().acceptGrant();
        assertEquals(serverMem.size(), remote.length(), "the grant's length as the holder sees it");
        assertEquals(Access.REMOTE_ALL, remote.access());
        assertTrue(remote.isValid());
    }

    private void assertGuards(String what, LocalMr mr, long offset, int size) {
        Patterns.assertFilled(what + " (guard before)", mr, offset - GUARD, GUARD, SENTINEL);
        Patterns.assertFilled(what + " (guard after)", mr, offset + size, GUARD, SENTINEL);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void writePlacesEveryByteAtTheTarget() {
        List<Integer> sizes = sizes();
        for (int i = 0; i < sizes.size(); i++) {
            int size = sizes.get(i);
            long lo = localOffset(i);
            long ro = remoteOffset(i);
            byte[] data = Patterns.bytes(i + 1, size);
            serverMem.fill(0, serverMem.size(), SENTINEL);
            clientMem.put(lo, data);
            String what = "WRITE of " + size + " bytes (local offset " + lo + ", remote offset " + ro + ")";
            if (i % 2 == 0) {
                pair.client().write(clientMem.slice(lo, size), remote.slice(ro, size));
            } else {
                await(pair.client().writeAsync(clientMem.slice(lo, size), remote.slice(ro, size)));
            }
            Patterns.assertHolds(what, serverMem, ro, data);
            assertGuards(what, serverMem, ro, size);
            Patterns.assertHolds(what + ": the source changed", clientMem, lo, data);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void readFetchesEveryByteFromTheTarget() {
        List<Integer> sizes = sizes();
        for (int i = 0; i < sizes.size(); i++) {
            int size = sizes.get(i);
            long lo = localOffset(i);
            long ro = remoteOffset(i);
            byte[] data = Patterns.bytes(100 + i, size);
            serverMem.put(ro, data);
            clientMem.fill(0, clientMem.size(), SENTINEL);
            String what = "READ of " + size + " bytes (local offset " + lo + ", remote offset " + ro + ")";
            if (i % 2 == 0) {
                pair.client().read(clientMem.slice(lo, size), remote.slice(ro, size));
            } else {
                await(pair.client().readAsync(clientMem.slice(lo, size), remote.slice(ro, size)));
            }
            Patterns.assertHolds(what, clientMem, lo, data);
            assertGuards(what, clientMem, lo, size);
            Patterns.assertHolds(what + ": the remote source changed", serverMem, ro, data);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void sendPlacesEveryByteIntoThePostedReceive() {
        List<Integer> sizes = sizes();
        for (int i = 0; i < sizes.size(); i++) {
            int size = sizes.get(i);
            long lo = localOffset(i);
            long ro = remoteOffset(i);
            byte[] data = Patterns.bytes(200 + i, size);
            serverMem.fill(0, serverMem.size(), SENTINEL);
            clientMem.put(lo, data);
            String what = "SEND of " + size + " bytes (source offset " + lo + ", receive offset " + ro + ")";
            CompletableFuture<Received> rcv = pair.server().receiveAsync(serverMem.slice(ro, size));
            if (i % 2 == 0) {
                pair.client().send(clientMem.slice(lo, size));
            } else {
                await(pair.client().sendAsync(clientMem.slice(lo, size)));
            }
            Received r = await(rcv);
            assertEquals(size, r.byteLength(), what + ": Received.byteLength");
            assertFalse(r.hasImmediate(), what + ": a plain SEND carries no immediate");
            assertFalse(r.byRdmaWrite(), what + ": consumed by a SEND, not a WRITE with immediate");
            Patterns.assertHolds(what, serverMem, ro, data);
            assertGuards(what, serverMem, ro, size);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sendShorterThanTheReceiveReportsItsOwnLength() {
        byte[] data = Patterns.bytes(7, 1000);
        serverMem.fill(0, serverMem.size(), SENTINEL);
        clientMem.put(5, data);
        CompletableFuture<Received> rcv = pair.server().receiveAsync(serverMem.slice(GUARD + 1, 4096));
        pair.client().send(clientMem.slice(5, 1000));
        Received r = await(rcv);
        assertEquals(1000, r.byteLength(), "Received.byteLength is the message's length, not the buffer's");
        Patterns.assertHolds("SEND of 1000 bytes into a 4096-byte receive", serverMem, GUARD + 1, data);
        Patterns.assertFilled("bytes of the receive buffer past the message", serverMem, GUARD + 1 + 1000, 4096 - 1000, SENTINEL);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void sendWithImmDeliversBytesAndImmediate() {
        List<Integer> sizes = sizes();
        int[] imms = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x7EADBEEF};
        for (int i = 0; i < sizes.size(); i++) {
            int size = sizes.get(i);
            int imm = imms[i % imms.length] ^ i;
            long lo = localOffset(i);
            long ro = remoteOffset(i);
            byte[] data = Patterns.bytes(300 + i, size);
            serverMem.fill(0, serverMem.size(), SENTINEL);
            clientMem.put(lo, data);
            String what = "SEND with immediate " + imm + " of " + size + " bytes";
            CompletableFuture<Received> rcv = pair.server().receiveAsync(serverMem.slice(ro, size));
            if (i % 2 == 0) {
                pair.client().sendWithImm(clientMem.slice(lo, size), imm);
            } else {
                await(pair.client().sendWithImmAsync(clientMem.slice(lo, size), imm));
            }
            Received r = await(rcv);
            assertEquals(new Received(size, true, imm, false), r, what);
            Patterns.assertHolds(what, serverMem, ro, data);
            assertGuards(what, serverMem, ro, size);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void writeWithImmPlacesBytesAndDeliversImmediate() {
        List<Integer> sizes = sizes();
        LocalMr rcvBuf = allocate(serverCtx, 64);
        for (int i = 0; i < sizes.size(); i++) {
            int size = sizes.get(i);
            int imm = 0x10000 * i - 77;
            long lo = localOffset(i);
            long ro = remoteOffset(i);
            byte[] data = Patterns.bytes(400 + i, size);
            serverMem.fill(0, serverMem.size(), SENTINEL);
            rcvBuf.fill(0, 64, SENTINEL);
            clientMem.put(lo, data);
            String what = "WRITE with immediate " + imm + " of " + size + " bytes";
            CompletableFuture<Received> rcv = pair.server().receiveAsync(rcvBuf.slice(0, 64));
            if (i % 2 == 0) {
                pair.client().writeWithImm(clientMem.slice(lo, size), remote.slice(ro, size), imm);
            } else {
                await(pair.client().writeWithImmAsync(clientMem.slice(lo, size), remote.slice(ro, size), imm));
            }
            Received r = await(rcv);
            assertEquals(new Received(size, true, imm, true), r, what);
            // the receive completing means the data is placed
            Patterns.assertHolds(what, serverMem, ro, data);
            assertGuards(what, serverMem, ro, size);
            Patterns.assertFilled(what + ": nothing lands in the receive buffer", rcvBuf, 0, 64, SENTINEL);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void manyAsyncOperationsInFlightAllLandInPlace() {
        // more than a send queue holds, so later callers queue; every range distinct
        int n = 300;
        int size = 4099;
        long stride = size + 5;
        int count = (int) Math.min(n, (serverMem.size() - 2 * GUARD) / stride);
        serverMem.fill(0, serverMem.size(), SENTINEL);
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            clientMem.put(GUARD + 1 + k * stride, Patterns.bytes(1000 + k, size));
        }
        for (int k = 0; k < count; k++) {
            writes.add(pair.client().writeAsync(clientMem.slice(GUARD + 1 + k * stride, size), remote.slice(GUARD + 3 + k * stride, size)));
        }
        for (CompletableFuture<Void> w : writes) {
            await(w);
        }
        for (int k = 0; k < count; k++) {
            Patterns.assertHolds("pipelined WRITE " + k, serverMem, GUARD + 3 + k * stride, Patterns.bytes(1000 + k, size));
        }
        // and read them back in flight at once into other local ranges
        clientMem.fill(0, clientMem.size(), SENTINEL);
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            reads.add(pair.client().readAsync(clientMem.slice(GUARD + 2 + k * stride, size), remote.slice(GUARD + 3 + k * stride, size)));
        }
        for (CompletableFuture<Void> r : reads) {
            await(r);
        }
        for (int k = 0; k < count; k++) {
            Patterns.assertHolds("pipelined READ " + k, clientMem, GUARD + 2 + k * stride, Patterns.bytes(1000 + k, size));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void atomicsReturnTheOldValueAndStoreTheNew() {
        long at = 8 * 17; // 8-byte aligned in the grant, whose base the pool aligns
        assertEquals(0, remote.slice(at, 8).address() & 7, "the pool must align regions to 8 bytes");
        serverMem.putLong(at, 40);
        assertEquals(40, pair.client().fetchAndAdd(remote.slice(at, 8), 2));
        assertEquals(42, serverMem.getLong(at));
        assertEquals(42, await(pair.client().fetchAndAddAsync(remote.slice(at, 8), -50)));
        assertEquals(-8, serverMem.getLong(at));
        serverMem.putLong(at, Long.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, pair.client().fetchAndAdd(remote.slice(at, 8), 1), "fetch-and-add wraps");
        assertEquals(Long.MIN_VALUE, serverMem.getLong(at));

        serverMem.putLong(at, 7);
        assertEquals(7, pair.client().compareAndSwap(remote.slice(at, 8), 7, 0x1122334455667788L), "a matching CAS");
        assertEquals(0x1122334455667788L, serverMem.getLong(at));
        assertEquals(0x1122334455667788L, pair.client().compareAndSwap(remote.slice(at, 8), 7, 99), "a failing CAS returns the current value");
        assertEquals(0x1122334455667788L, serverMem.getLong(at), "a failing CAS stores nothing");
        assertEquals(0x1122334455667788L, await(pair.client().compareAndSwapAsync(remote.slice(at, 8), 0x1122334455667788L, -1)));
        assertEquals(-1, serverMem.getLong(at));
        // neighbours untouched
        serverMem.putLong(at - 8, 0x0102030405060708L);
        serverMem.putLong(at + 8, 0x0807060504030201L);
        pair.client().fetchAndAdd(remote.slice(at, 8), 1);
        assertEquals(0, serverMem.getLong(at));
        assertEquals(0x0102030405060708L, serverMem.getLong(at - 8), "the 8 bytes before the atomic's target");
        assertEquals(0x0807060504030201L, serverMem.getLong(at + 8), "the 8 bytes after the atomic's target");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void batchRunsEveryKindOfRequestAndCompletesOnce() {
        LocalMr rcvBuf = allocate(serverCtx, 4096);
        serverMem.fill(0, serverMem.size(), SENTINEL);
        clientMem.fill(0, clientMem.size(), SENTINEL);
        byte[] w = Patterns.bytes(1, 5000);
        byte[] wi = Patterns.bytes(2, 333);
        byte[] s = Patterns.bytes(3, 1001);
        byte[] si = Patterns.bytes(4, 17);
        byte[] r = Patterns.bytes(5, 7777);
        clientMem.put(101, w);
        clientMem.put(6001, wi);
        clientMem.put(7001, s);
        clientMem.put(9001, si);
        serverMem.put(20_003, r);
        serverMem.putLong(40_000, 10);
        serverMem.putLong(40_008, 3);
        CompletableFuture<Received> r1 = pair.server().receiveAsync(rcvBuf.slice(1, 1001));
        CompletableFuture<Received> r2 = pair.server().receiveAsync(rcvBuf.slice(2000, 64));
        CompletableFuture<Received> r3 = pair.server().receiveAsync(rcvBuf.slice(3000, 17));
        var b = pair.client().batch()
                .write(clientMem.slice(101, 5000), remote.slice(GUARD + 1, 5000))
                .send(clientMem.slice(7001, 1001))
                .writeWithImm(clientMem.slice(6001, 333), remote.slice(10_001, 333), 0xABC)
                .read(clientMem.slice(30_001, 7777), remote.slice(20_003, 7777))
                .fetchAndAdd(clientMem.slice(50_003, 8), remote.slice(40_000, 8), 5)
                .compareAndSwap(clientMem.slice(50_011, 8), remote.slice(40_008, 8), 3, 4)
                .sendWithImm(clientMem.slice(9001, 17), -5);
        assertEquals(7, b.size());
        await(b.submitAsync());
        Patterns.assertHolds("batched WRITE", serverMem, GUARD + 1, w);
        Patterns.assertHolds("batched WRITE with immediate", serverMem, 10_001, wi);
        Patterns.assertHolds("batched READ", clientMem, 30_001, r);
        Patterns.assertFilled("guard after the batched READ", clientMem, 30_001 + 7777, GUARD, SENTINEL);
        assertEquals(10, clientMem.getLong(50_003), "batched fetch-and-add's old value in the result slice");
        assertEquals(15, serverMem.getLong(40_000));
        assertEquals(3, clientMem.getLong(50_011), "batched compare-and-swap's old value in the result slice");
        assertEquals(4, serverMem.getLong(40_008));
        // receives are consumed in the order of the batch
        assertEquals(new Received(1001, false, 0, false), await(r1));
        assertEquals(new Received(333, true, 0xABC, true), await(r2));
        assertEquals(new Received(17, true, -5, false), await(r3));
        Patterns.assertHolds("batched SEND", rcvBuf, 1, s);
        Patterns.assertHolds("batched SEND with immediate", rcvBuf, 3000, si);
        // the blocking form
        clientMem.put(101, r);
        pair.client().batch().write(clientMem.slice(101, 7777), remote.slice(60_001, 7777))
                .read(clientMem.slice(70_001, 7777), remote.slice(60_001, 7777)).submit();
        Patterns.assertHolds("blocking batch: READ after WRITE in one batch", clientMem, 70_001, r);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void concurrentCallersOnOneConnectionEachGetTheirOwnData() throws Exception {
        int threads = 8;
        int rounds = 50;
        int size = 10_007;
        long stride = 2L * size + 64;
        List<Thread> ts = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int me = t;
            ts.add(Thread.ofVirtual().start(() -> {
                try {
                    long lo = GUARD + 1 + me * stride;
                    long ro = GUARD + 5 + me * stride;
                    for (int i = 0; i < rounds; i++) {
                        byte[] d = Patterns.bytes(me * 1000 + i, size);
                        clientMem.put(lo, d);
                        pair.client().write(clientMem.slice(lo, size), remote.slice(ro, size));
                        pair.client().read(clientMem.slice(lo + size, size), remote.slice(ro, size));
                        Patterns.assertHolds("thread " + me + " round " + i, clientMem, lo + size, d);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " caller(s) failed; first: " + failures.getFirst(), failures.getFirst());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void callbacksMayPostFurtherOperations() {
        // a chain of 200 WRITEs, each posted from the completion of the one before
        int n = 200;
        for (int k = 0; k < n; k++) {
            clientMem.putLong(8L * k, k * 31L);
        }
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int k = 0; k < n; k++) {
            int i = k;
            chain = chain.thenCompose(v -> pair.client().writeAsync(clientMem.slice(8L * i, 8), remote.slice(4096 + 8L * i, 8)));
        }
        await(chain);
        for (int k = 0; k < n; k++) {
            assertEquals(k * 31L, serverMem.getLong(4096 + 8L * k), "WRITE " + k + " of the chain");
        }
        // a blocking call from a completion either works or is refused; it must not deadlock the poller
        CompletableFuture<Object> blocking = pair.client().writeAsync(clientMem.slice(0, 8), remote.slice(0, 8))
                .thenApply(v -> {
                    try {
                        pair.client().write(clientMem.slice(8, 8), remote.slice(8, 8));
                        return "ran";
                    } catch (IllegalStateException refused) {
                        return refused;
                    }
                });
        Object outcome = await(blocking);
        assertTrue("ran".equals(outcome) || outcome instanceof IllegalStateException, String.valueOf(outcome));
        assertEquals(31L, await(pair.client().fetchAndAddAsync(remote.slice(4096 + 8, 8), 0)), "the connection still works");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void connectionStatsCountWhatWasDone() {
        var before = pair.client().stats();
        clientMem.put(0, Patterns.bytes(1, 1000));
        pair.client().write(clientMem.slice(0, 1000), remote.slice(0, 1000));
        CompletableFuture<Received> rcv = pair.server().receiveAsync(serverMem.slice(5000, 100));
        pair.client().send(clientMem.slice(0, 100));
        await(rcv);
        var after = pair.client().stats();
        assertTrue(after.posted() >= before.posted() + 2, "posted " + before + " -> " + after);
        assertTrue(after.completed() >= before.completed() + 2, "completed " + before + " -> " + after);
        assertEquals(before.failed(), after.failed(), "failed");
        assertTrue(after.bytesOut() >= before.bytesOut() + 1100, "bytesOut " + before + " -> " + after);
        assertTrue(pair.server().stats().bytesIn() >= 100, "the receiver's bytesIn: " + pair.server().stats());
        assertEquals(1, pair.server().stats().grantsGiven());
        assertEquals(1, pair.client().stats().grantsHeld());
    }
}
