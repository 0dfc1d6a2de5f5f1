package io.rdma4j.tcp.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.ConnectionClosedException;
import io.rdma4j.FlushedException;
import io.rdma4j.Grant;
import io.rdma4j.LeaseExpiredException;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.RdmaOptions;
import io.rdma4j.RemoteAccessException;
import io.rdma4j.RemoteMr;
import io.rdma4j.internal.ContextImpl;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Leases ending under load: {@value #CONNECTIONS} connections each hold a grant with a short
 * lease to their own part of one region and keep {@value #SLOTS} writes in flight into it until
 * the lease ends. In post order every write succeeds until the first failure, which is a remote
 * access or lease error, and everything after it fails too (flushed, or refused); each slot
 * holds exactly the last write that succeeded there; after revocation nothing changes.
 * {@code -Drdma4j.faults.rounds=N} repeats with fresh grants.
 */
class LeaseExpiryUnderLoadTest {
    private static final int CONNECTIONS = 8;
    private static final int SLOTS = 16;
    private static final int SLOT = 256;
    private static final int PART = SLOTS * SLOT;
    private static final Duration LEASE = Duration.ofMillis(300);

    private record Write(int slot, long seq, CompletableFuture<Void> future, RuntimeException refused) {}

    @Test
    @Timeout(300)
    void writesRacingAShortLeaseSucceedBeforeOrFailAfterAndLandNowhereLate() throws Exception {
        RdmaOptions o = RdmaOptions.builder().provider("tcp").operationTimeout(Duration.ofSeconds(10)).build();
        long leaks = ContextImpl.leaksFound();
        int rounds = Integer.getInteger("rdma4j.faults.rounds", 1);
        long writes = 0;
        long ok = 0;
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener l = server.listen(new InetSocketAddress("127.0.0.1", 0))) {
            for (int round = 0; round < rounds; round++) {
                long[] r = round(server, client, l);
                writes += r[0];
                ok += r[1];
            }
            assertEquals(0, ((ContextImpl) server).regionsInUse());
            assertEquals(0, ((ContextImpl) client).regionsInUse());
            assertEquals(0, ((ContextImpl) server).poolBytesInUse());
            assertEquals(0, ((ContextImpl) client).poolBytesInUse());
        }
        assertEquals(leaks, ContextImpl.leaksFound());
        System.out.printf("faults: lease expiry under load: %d rounds x %d connections, %d writes, %d before the lease"
                + " ended, %d after (failed), no late landing%n", rounds, CONNECTIONS, writes, ok, writes - ok);
    }

    private long[] round(RdmaContext server, RdmaContext client, Listener l) throws Exception {
        LocalMr target = server.allocate((long) CONNECTIONS * PART);
        List<Connection> cs = new ArrayList<>();
        List<Connection> ss = new ArrayList<>();
        List<Grant> grants = new ArrayList<>();
        List<RemoteMr> remotes = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            CompletableFuture<Connection> a = l.acceptAsync();
            cs.add(client.connect(l.localAddress()));
            ss.add(a.get(10, TimeUnit.SECONDS));
        }
        for (int i = 0; i < CONNECTIONS; i++) {
            grants.add(ss.get(i).grant(target.slice((long) i * PART, PART), Access.REMOTE_WRITE, LEASE));
        }
        for (int i = 0; i < CONNECTIONS; i++) {
            remotes.add(cs.get(i).acceptGrant());
        }
        List<List<Write>> log = new ArrayList<>();
        List<LocalMr> sources = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            List<Write> w = new ArrayList<>();
            log.add(w);
            LocalMr src = client.allocate(PART * 4L);
            sources.add(src);
            int conn = i;
            threads.add(Thread.ofVirtual().start(() -> drive(conn, cs.get(conn), remotes.get(conn), src, w)));
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(t.isAlive(), "a writer did not stop after the lease ended");
        }
        // The lease timer revokes a grant moments after its deadline (the writers may stop
        // first, on the holder's own clock); isActive() turns false once the key is dead.
        assertTrue(LeakLog.eventually(() -> grants.stream().noneMatch(Grant::isActive)),
                "a grant outlived its lease by 10 s");
        // After revocation nothing lands, however late.
        byte[] first = target.getBytes(0, CONNECTIONS * PART);
        Thread.sleep(300);
        assertArrayEquals(first, target.getBytes(0, CONNECTIONS * PART), "memory changed after every grant was revoked");

        long total = 0;
        long succeeded = 0;
        for (int i = 0; i < CONNECTIONS; i++) {
            long[] lastOk = new long[SLOTS];
            Arrays.fill(lastOk, -1);
            boolean failed = false;
            boolean sawLeaseError = false;
            for (Write w : log.get(i)) {
                total++;
                Throwable t = w.refused;
                if (t == null) {
                    try {
                        w.future.join();
                    } catch (CompletionException e) {
                        t = e.getCause();
                    }
                }
                if (t == null) {
                    assertFalse(failed, "connection " + i + ": a write posted after a failed one succeeded");
                    lastOk[w.slot] = w.seq;
                    succeeded++;
                    continue;
                }
                if (!failed) {
                    assertTrue(t instanceof RemoteAccessException || t instanceof LeaseExpiredException,
                            "connection " + i + ": the first failure is not a remote access or lease error: " + t);
                    sawLeaseError = true;
                } else {
                    assertTrue(t instanceof RemoteAccessException || t instanceof LeaseExpiredException
                            || t instanceof FlushedException || t instanceof ConnectionClosedException,
                            "connection " + i + ": a write after the lease ended failed with " + t);
                }
                failed = true;
            }
            assertTrue(sawLeaseError, "connection " + i + " never hit the end of its lease");
            for (int k = 0; k < SLOTS; k++) {
                long at = (long) i * PART + (long) k * SLOT;
                byte[] want = lastOk[k] < 0 ? new byte[SLOT] : payload(i, k, lastOk[k]);
                assertArrayEquals(want, target.getBytes(at, SLOT), "connection " + i + " slot " + k
                        + ": memory is not the last write that succeeded (seq " + lastOk[k] + ")");
            }
        }
        for (int i = 0; i < CONNECTIONS; i++) {
            cs.get(i).close();
            ss.get(i).close();
            sources.get(i).close();
        }
        target.close();
        return new long[] {total, succeeded};
    }

    static byte[] payload(int conn, int slot, long seq) {
        byte[] b = new byte[SLOT];
        ByteBuffer bb = ByteBuffer.wrap(b);
        bb.putLong(seq).putInt(conn).putInt(slot);
        for (int i = 16; i < SLOT; i++) {
            b[i] = (byte) (seq * 31 + i + conn);
        }
        return b;
    }

    /** Keeps one write in flight per slot until posting is refused or a write fails. */
    private static void drive(int conn, Connection c, RemoteMr remote, LocalMr src, List<Write> log) {
        CompletableFuture<?>[] inFlight = new CompletableFuture<?>[SLOTS];
        long seq = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean stop = false;
        int srcTurn = 0;
        while (!stop && System.nanoTime() < deadline) {
            boolean posted = false;
            for (int k = 0; k < SLOTS && !stop; k++) {
                if (inFlight[k] != null && !inFlight[k].isDone()) {
                    continue;
                }
                if (inFlight[k] != null && inFlight[k].isCompletedExceptionally()) {
                    stop = true;
                    break;
                }
                // four source buffers per slot in turn: a buffer is reused only after its write completed
                long off = (long) ((srcTurn++ & 3) * PART) + (long) k * SLOT;
                byte[] p = payload(conn, k, seq);
                try {
                    src.put(off, p);
                } catch (RdmaException e) {
                    continue; // still lent to an earlier write from this buffer
                }
                try {
                    CompletableFuture<Void> f = c.writeAsync(src.slice(off, SLOT), remote.slice((long) k * SLOT, SLOT));
                    log.add(new Write(k, seq, f, null));
                    inFlight[k] = f;
                } catch (RdmaException e) {
                    log.add(new Write(k, seq, null, e));
                    stop = true;
                }
                seq++;
                posted = true;
            }
            if (!posted) {
                // wait for a write to end; never spin: on a busy machine a spinning virtual thread
                // starves the others of carrier threads for the whole lease
                List<CompletableFuture<?>> out = new ArrayList<>();
                for (CompletableFuture<?> f : inFlight) {
                    if (f != null && !f.isDone()) {
                        out.add(f);
                    }
                }
                try {
                    if (!out.isEmpty()) {
                        CompletableFuture.anyOf(out.toArray(CompletableFuture[]::new)).get(50, TimeUnit.MILLISECONDS);
                    } else {
                        Thread.sleep(1);
                    }
                } catch (Exception e) {
                    // a failure is examined from the log; a timeout just loops
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
        for (CompletableFuture<?> f : inFlight) {
            if (f != null) {
                try {
                    f.get(10, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // examined from the log
                }
            }
        }
    }
}
