package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.RemoteMr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Atomics from many connections (and contexts) at once on one target word: fetch-and-add totals
 * are exact and every returned old value is distinct; compare-and-swap is linearizable (each of
 * N threads CAS-increments K times, the total is N*K and every old value seen by a successful CAS
 * is unique); misaligned or wrong-sized targets are refused before posting.
 */
public abstract class AtomicsContract extends ContractSupport {
    /** For a provider's subclass. */
    protected AtomicsContract() {}

    /** Client contexts, each with {@link #CONNECTIONS_PER_CLIENT} connections, each used by {@link #THREADS_PER_CONNECTION} threads. */
    private static final int CLIENTS = 2;
    private static final int CONNECTIONS_PER_CLIENT = 4;
    private static final int THREADS_PER_CONNECTION = 2;

    private LocalMr counterMem;
    /** One grant of the same word per connection: each has its own rkey. */
    private final List<Connection> holders = new ArrayList<>();
    private final List<RemoteMr> grants = new ArrayList<>();
    private Pair first;

    @BeforeEach
    void connectMany() {
        RdmaContext serverCtx = openContext();
        Listener listener = listen(serverCtx);
        counterMem = allocate(serverCtx, 4096);
        for (int c = 0; c < CLIENTS; c++) {
            RdmaContext clientCtx = openContext();
            for (int k = 0; k < CONNECTIONS_PER_CLIENT; k++) {
                Pair p = connect(listener, clientCtx);
                if (first == null) {
                    first = p;
                }
                p.server().grant(counterMem.slice(0, 64), Access.REMOTE_ALL, Duration.ofMinutes(10));
                holders.add(p.client());
                grants.add(p.client().acceptGrant());
            }
        }
        for (int i = 1; i < grants.size(); i++) {
            assertEquals(grants.get(0).address(), grants.get(i).address(), "every grant covers the same counter");
        }
    }

    /** Runs {@code body(thread index, connection, grant)} on every thread of every connection, all at once. */
    private void onAllThreads(TriConsumer body) {
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        int t = 0;
        for (int c = 0; c < holders.size(); c++) {
            for (int k = 0; k < THREADS_PER_CONNECTION; k++) {
                int index = t++;
                Connection conn = holders.get(c);
                RemoteMr g = grants.get(c);
                threads.add(Thread.ofPlatform().name("atomics-" + index).start(() -> {
                    try {
                        start.await();
                        body.run(index, conn, g);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
        }
        start.countDown();
        for (Thread th : threads) {
            try {
                th.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(failures.size() + " thread(s) failed; first: " + failures.getFirst(), failures.getFirst());
            failures.stream().skip(1).limit(5).forEach(e::addSuppressed);
            throw e;
        }
    }

    @FunctionalInterface
    private interface TriConsumer {
        void run(int thread, Connection conn, RemoteMr grant) throws Exception;
    }

    private int threads() {
        return holders.size() * THREADS_PER_CONNECTION;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void fetchAndAddFromManyConnectionsIsExact() {
        int perThread = 400;
        long[][] seen = new long[threads()][perThread];
        counterMem.putLong(8, 0);
        onAllThreads((t, conn, g) -> {
            for (int i = 0; i < perThread; i++) {
                seen[t][i] = conn.fetchAndAdd(g.slice(8, 8), 1);
            }
        });
        long total = (long) threads() * perThread;
        assertEquals(total, counterMem.getLong(8), "the counter after " + total + " fetch-and-adds of 1");
        assertEveryValueOnce("fetch-and-add old values", seen, total);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void pipelinedFetchAndAddFromManyConnectionsIsExact() {
        int perThread = 500;
        long add = 3;
        long[][] seen = new long[threads()][perThread];
        counterMem.putLong(16, 1000);
        onAllThreads((t, conn, g) -> {
            List<CompletableFuture<Long>> fs = new ArrayList<>(perThread);
            for (int i = 0; i < perThread; i++) {
                fs.add(conn.fetchAndAddAsync(g.slice(16, 8), add));
            }
            for (int i = 0; i < perThread; i++) {
                seen[t][i] = (fs.get(i).get(60, TimeUnit.SECONDS) - 1000) / add;
            }
        });
        long total = (long) threads() * perThread;
        assertEquals(1000 + total * add, counterMem.getLong(16));
        assertEveryValueOnce("pipelined fetch-and-add old values", seen, total);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void compareAndSwapFromManyConnectionsIsLinearizable() {
        int perThread = 150;
        long[][] won = new long[threads()][perThread];
        long[] attempts = new long[threads()];
        counterMem.putLong(24, 0);
        onAllThreads((t, conn, g) -> {
            long expect = 0;
            for (int i = 0; i < perThread; ) {
                long old = conn.compareAndSwap(g.slice(24, 8), expect, expect + 1);
                attempts[t]++;
                if (old == expect) {
                    won[t][i++] = expect;
                    expect++;
                } else {
                    if (old < expect) {
                        throw new AssertionError("thread " + t + ": the counter went back from " + expect + " to " + old);
                    }
                    expect = old;
                }
            }
        });
        long total = (long) threads() * perThread;
        assertEquals(total, counterMem.getLong(24), "the counter after " + total + " successful CAS increments");
        assertEveryValueOnce("old values of successful compare-and-swaps", won, total);
        long tries = Arrays.stream(attempts).sum();
        assertTrue(tries >= total, "attempts " + tries + " >= successes " + total);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void misalignedOrWrongSizedAtomicsAreRefusedBeforePosting() {
        Connection c = first.client();
        RemoteMr g = grants.get(0);
        counterMem.putLong(32, 5);
        counterMem.putLong(40, 6);
        for (int off : new int[] {33, 36, 39}) {
            assertThrows(IllegalArgumentException.class, () -> c.fetchAndAdd(g.slice(off, 8), 1), "fetch-and-add at offset " + off);
            assertThrows(IllegalArgumentException.class, () -> c.compareAndSwap(g.slice(off, 8), 5, 1), "compare-and-swap at offset " + off);
        }
        assertThrows(IllegalArgumentException.class, () -> c.fetchAndAdd(g.slice(32, 4), 1), "a 4-byte target");
        assertThrows(IllegalArgumentException.class, () -> c.fetchAndAdd(g.slice(32, 16), 1), "a 16-byte target");
        assertEquals(5, counterMem.getLong(32), "target untouched");
        assertEquals(6, counterMem.getLong(40), "target untouched");
        assertEquals(5, c.fetchAndAdd(g.slice(32, 8), 1), "the connection still works after the refusals");
    }

    private static void assertEveryValueOnce(String what, long[][] seen, long total) {
        long[] all = Arrays.stream(seen).flatMapToLong(Arrays::stream).sorted().toArray();
        assertEquals(total, all.length);
        for (int i = 0; i < all.length; i++) {
            if (all[i] != i) {
                fail(what + ": expected each of 0.." + (total - 1) + " exactly once, but position " + i + " holds " + all[i]
                        + (i > 0 && all[i] == all[i - 1] ? " (seen twice: two atomics read the same value)" : " (a value is missing)"));
            }
        }
    }
}
