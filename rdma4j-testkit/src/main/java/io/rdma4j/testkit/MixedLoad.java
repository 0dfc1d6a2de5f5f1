package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import io.rdma4j.RemoteSlice;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * Load on any provider: many connections at once, each driven by its own virtual thread with
 * mixed operations (WRITE, READ, pipelined WRITEs, fetch-and-add, compare-and-swap, batches,
 * SENDs) for a bounded time. The tcp provider runs it with 256 connections, verbs in the
 * Soft-RoCE guest with 64 queue pairs.
 *
 * <p>Every completed operation is checked: a READ returns exactly what this connection last
 * wrote there; fetch-and-add and compare-and-swap return the counter this connection alone
 * drives; every SEND arrives once, in order, with its checksum. At the end the server's memory
 * equals each client's shadow (no completed WRITE lost), every connection was open at once, and
 * both contexts are back to baseline with no leak reported.
 */
public final class MixedLoad {
    private static final int SLOTS = 8;
    private static final int SLOT = 1024;
    private static final int COUNTER = 0;
    private static final int SLOT_BASE = 64;
    private static final int REGION = SLOT_BASE + SLOTS * SLOT;
    private static final int MSG_MAX = 2048;

    /**
     * What a run did.
     *
     * @param openAtPeak   connections open at once, halfway through
     * @param setupMillis  time to connect them all and exchange their grants
     * @param seconds      time the operations ran
     * @param ops          operations completed and checked
     * @param messages     messages received and checked
     * @param bytesChecked bytes compared with what was written or sent
     */
    public record Result(int openAtPeak, long setupMillis, long seconds, long ops, long messages, long bytesChecked) {
        @Override
        public String toString() {
            return openAtPeak + " connections held at once (setup " + setupMillis + " ms), " + seconds
                    + " s of mixed operations: " + ops + " ops, " + messages + " messages, " + bytesChecked
                    + " bytes checked, 0 lost or corrupted";
        }
    }

    private final AtomicLong ops = new AtomicLong();
    private final AtomicLong bytesChecked = new AtomicLong();
    private final AtomicLong messages = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

    private final long patienceSeconds;

    private MixedLoad(Duration patience) {
        this.patienceSeconds = Math.max(1, patience.toSeconds());
    }

    /**
     * Runs the load; fails (an {@link AssertionError}) on any lost, duplicated, reordered or
     * corrupted completed operation, on any connection that failed, or on anything left over.
     *
     * @param o        options of both contexts
     * @param host     the address the server listens on
     * @param n        connections
     * @param seconds  how long the operations run
     * @param patience how long one operation, a connection set-up or the end of a worker may take
     * @return what ran
     * @throws Exception what the set-up threw
     */
    public static Result run(RdmaOptions o, String host, int n, long seconds, Duration patience) throws Exception {
        return new MixedLoad(patience).load(o, host, n, seconds);
    }

    private Result load(RdmaOptions o, String host, int n, long seconds) throws Exception {
        long leaksBefore = CoreProbe.leaksFound();
        Result result;
        long started = System.nanoTime();
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener listener = server.listen(new InetSocketAddress(host, 0))) {
            List<Pair> pairs = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    CompletableFuture<Connection> accepted = listener.acceptAsync();
                    Connection c = client.connect(listener.localAddress());
                    Connection s = accepted.get(patienceSeconds, TimeUnit.SECONDS);
                    Pair p = new Pair(i, c, s, server.allocate(REGION), client.allocate(REGION + MSG_MAX),
                            server.allocate(MSG_MAX));
                    pairs.add(p);
                    s.grant(p.target, Access.REMOTE_ALL, Duration.ofMinutes(30));
                    p.remote = c.acceptGrant();
                }
                long setupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                CountDownLatch done = new CountDownLatch(2 * n);
                AtomicInteger openAtPeak = new AtomicInteger();
                for (Pair p : pairs) {
                    Thread.ofVirtual().name("load-client-" + p.id).start(() -> guarded(done, () -> p.client(deadline)));
                    Thread.ofVirtual().name("load-server-" + p.id).start(() -> guarded(done, p::server));
                }
                // Halfway: every connection is open at once.
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds) / 2);
                openAtPeak.set((int) pairs.stream().filter(p -> p.c.isOpen() && p.s.isOpen()).count());
                assertTrue(done.await(seconds + 2 * patienceSeconds, TimeUnit.SECONDS), "workers did not finish");
                if (!failures.isEmpty()) {
                    AssertionError e = new AssertionError(failures.size() + " connections failed; first: " + failures.peek());
                    failures.forEach(e::addSuppressed);
                    throw e;
                }
                // No completed WRITE lost, no counter update lost: the server's memory is the clients' shadow.
                for (Pair p : pairs) {
                    assertEquals(p.counter, p.target.getLong(COUNTER), "connection " + p.id + ": counter");
                    for (int k = 0; k < SLOTS; k++) {
                        byte[] got = p.target.getBytes(SLOT_BASE + (long) k * SLOT, SLOT);
                        if (!Arrays.equals(p.shadow[k], got)) {
                            throw new AssertionError("connection " + p.id + ": slot " + k + " differs from what was written");
                        }
                        bytesChecked.addAndGet(SLOT);
                    }
                    assertEquals(p.sent, p.received, "connection " + p.id + ": messages sent vs received");
                }
                assertEquals(n, openAtPeak.get(), "connections open at once");
                result = new Result(openAtPeak.get(), setupMs, seconds, ops.get(), messages.get(), bytesChecked.get());
            } finally {
                for (Pair p : pairs) {
                    p.c.close();
                    p.s.close();
                    p.target.close();
                    p.local.close();
                    p.inbox.close();
                }
            }
            for (RdmaContext ctx : List.of(server, client)) {
                assertEquals(0, CoreProbe.regionsInUse(ctx), "regions in use after everything was closed");
                assertEquals(0, CoreProbe.poolBytesInUse(ctx), "pool bytes in use after everything was closed");
            }
        }
        assertEquals(leaksBefore, CoreProbe.leaksFound(), "leaks reported");
        return result;
    }

    private void guarded(CountDownLatch done, ThrowingRunnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            failures.add(t);
        } finally {
            done.countDown();
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static long crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return c.getValue();
    }

    /** One connection: the client drives, the server checks messages; both own their memory. */
    private final class Pair {
        final int id;
        final Connection c;
        final Connection s;
        final LocalMr target; // server memory granted to the client
        final LocalMr local;  // client memory: [0, REGION) scratch, [REGION, +MSG_MAX) messages
        final LocalMr inbox;  // server receive buffer
        final byte[][] shadow = new byte[SLOTS][SLOT];
        RemoteMr remote;
        long counter;
        volatile long sent;
        volatile long received;

        Pair(int id, Connection c, Connection s, LocalMr target, LocalMr local, LocalMr inbox) {
            this.id = id;
            this.c = c;
            this.s = s;
            this.target = target;
            this.local = local;
            this.inbox = inbox;
        }

        RemoteSlice slot(int k) {
            return remote.slice(SLOT_BASE + (long) k * SLOT, SLOT);
        }

        void client(long deadline) throws Exception {
            SplittableRandom rnd = new SplittableRandom(id * 7919L + 1);
            byte[] buf = new byte[SLOT];
            long seq = 0;
            while (System.nanoTime() < deadline) {
                int k = rnd.nextInt(SLOTS);
                switch (rnd.nextInt(7)) {
                    case 0, 1 -> { // write a slot, blocking
                        rnd.nextBytes(buf);
                        local.put(0, buf);
                        c.write(local.slice(0, SLOT), slot(k));
                        System.arraycopy(buf, 0, shadow[k], 0, SLOT);
                    }
                    case 2 -> { // read a slot back and check it
                        c.read(local.slice(SLOT, SLOT), slot(k));
                        check(k, local.getBytes(SLOT, SLOT));
                    }
                    case 3 -> { // pipelined: writes to every slot async, then read one back
                        List<CompletableFuture<Void>> fs = new ArrayList<>();
                        byte[][] next = new byte[SLOTS][SLOT];
                        for (int j = 0; j < SLOTS; j++) {
                            rnd.nextBytes(next[j]);
                            local.put((long) j * SLOT, next[j]);
                            fs.add(c.writeAsync(local.slice((long) j * SLOT, SLOT), slot(j)));
                        }
                        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(patienceSeconds, TimeUnit.SECONDS);
                        for (int j = 0; j < SLOTS; j++) {
                            shadow[j] = next[j];
                        }
                        ops.addAndGet(SLOTS - 1);
                        c.readAsync(local.slice(0, SLOT), slot(k)).get(patienceSeconds, TimeUnit.SECONDS);
                        check(k, local.getBytes(0, SLOT));
                    }
                    case 4 -> { // atomics on the counter only this connection touches
                        long old = c.fetchAndAdd(remote.slice(COUNTER, 8), 3);
                        assertEquals(counter, old, "fetchAndAdd returned a stale counter");
                        counter += 3;
                        long seen = c.compareAndSwap(remote.slice(COUNTER, 8), counter, counter + 1);
                        assertEquals(counter, seen, "compareAndSwap saw a stale counter");
                        counter++;
                        ops.incrementAndGet();
                    }
                    case 5 -> { // a batch: write a slot, read it back, add to the counter
                        rnd.nextBytes(buf);
                        local.put(0, buf);
                        c.batch().write(local.slice(0, SLOT), slot(k)).read(local.slice(SLOT, SLOT), slot(k))
                                .fetchAndAdd(local.slice(2 * SLOT, 8), remote.slice(COUNTER, 8), 1).submit();
                        System.arraycopy(buf, 0, shadow[k], 0, SLOT);
                        check(k, local.getBytes(SLOT, SLOT));
                        assertEquals(counter, local.getLong(2 * SLOT), "batched fetchAndAdd returned a stale counter");
                        counter++;
                        ops.addAndGet(2);
                    }
                    default -> { // a message with sequence number and checksum
                        int len = 16 + rnd.nextInt(MSG_MAX - 16);
                        byte[] m = new byte[len];
                        rnd.nextBytes(m);
                        java.nio.ByteBuffer.wrap(m).putLong(0, seq++);
                        java.nio.ByteBuffer.wrap(m).putLong(8, crc(m, 16, len - 16));
                        local.put(REGION, m);
                        c.send(local.slice(REGION, len));
                        sent++;
                    }
                }
                ops.incrementAndGet();
            }
            local.putLong(REGION, -1); // the end
            c.send(local.slice(REGION, 8));
        }

        private void check(int k, byte[] got) {
            if (!Arrays.equals(shadow[k], got)) {
                throw new AssertionError("connection " + id + ": READ of slot " + k + " returned other bytes than were written");
            }
            bytesChecked.addAndGet(SLOT);
        }

        void server() {
            long expect = 0;
            while (true) {
                Received r = s.receive(inbox.slice());
                byte[] m = inbox.getBytes(0, r.byteLength());
                long seq = java.nio.ByteBuffer.wrap(m).getLong(0);
                if (r.byteLength() == 8 && seq == -1) {
                    return;
                }
                assertEquals(expect++, seq, "connection " + id + ": message lost, duplicated or reordered");
                long want = java.nio.ByteBuffer.wrap(m).getLong(8);
                assertEquals(want, crc(m, 16, m.length - 16), "connection " + id + ": message corrupted");
                received++;
                messages.incrementAndGet();
                bytesChecked.addAndGet(m.length);
            }
        }
    }
}
