package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.ConnectionClosedException;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.RemoteMr;
import io.rdma4j.ResourceClosedException;
import io.rdma4j.WorkCompletionException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Teardown with operations in flight: closing a connection, its peer or a whole context
 * completes every pending future (exceptionally where it did not finish), gives every region
 * and pooled byte back, leaks nothing the leak detector finds, and refuses later use.
 */
public abstract class TeardownContract extends ContractSupport {
    /** For a provider's subclass. */
    protected TeardownContract() {}

    private static final int SIZE = 4 << 20;

    /** Operations of every kind in flight on one connection, with the memory they lend. */
    private record InFlight(List<CompletableFuture<?>> futures, LocalMr src, LocalMr dst, RemoteMr remote) {}

    private InFlight startMany(Pair p, RdmaContext serverCtx, RdmaContext clientCtx) {
        LocalMr target = allocate(serverCtx, SIZE);
        p.server().grant(target, Access.REMOTE_ALL, Duration.ofMinutes(5));
        RemoteMr r = p.client().acceptGrant();
        LocalMr src = allocate(clientCtx, SIZE);
        LocalMr dst = allocate(clientCtx, SIZE);
        List<CompletableFuture<?>> fs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            fs.add(p.client().receiveAsync(dst.slice((SIZE - 4096) + 256L * i, 256))); // never answered
        }
        int chunk = 64 << 10;
        for (int i = 0; i < 200; i++) {
            long off = (long) (i % 30) * chunk;
            fs.add(switch (i % 4) {
                case 0, 1 -> p.client().writeAsync(src.slice(off, chunk), r.slice(off, chunk));
                case 2 -> p.client().readAsync(dst.slice((long) (i / 4) * chunk, chunk), r.slice(off, chunk)); // distinct targets
                default -> p.client().fetchAndAddAsync(r.slice(SIZE - 8, 8), 1);
            });
        }
        return new InFlight(fs, src, dst, r);
    }

    /** Every future is done within the patience, and each failure is an rdma4j exception saying why. */
    private void assertAllComplete(String what, List<CompletableFuture<?>> fs) {
        long deadline = System.nanoTime() + patience().toNanos();
        int failed = 0;
        for (CompletableFuture<?> f : fs) {
            try {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                failed++;
                Throwable c = e.getCause();
                assertInstanceOf(RdmaException.class, c, what + ": a pending operation failed with");
                assertTrue(c instanceof ConnectionClosedException || c instanceof WorkCompletionException
                        || c instanceof ResourceClosedException, what + ": a pending operation failed with " + c);
            } catch (TimeoutException e) {
                fail(what + ": a pending operation never completed: " + f);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
        assertTrue(failed >= 16, what + ": the 16 unanswered receives must fail, but only " + failed + " operations failed");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void closingAConnectionCompletesEveryPendingOperation() {
        long leaksBefore = CoreProbe.leaksFound();
        RdmaContext serverCtx = openContext();
        RdmaContext clientCtx = openContext();
        Pair p = connect(serverCtx, clientCtx);
        InFlight f = startMany(p, serverCtx, clientCtx);
        p.client().close();
        assertFalse(p.client().isOpen());
        assertAllComplete("client closed its connection", f.futures());
        assertThrows(RdmaException.class, () -> p.client().write(f.src().slice(0, 8), f.remote().slice(0, 8)),
                "an operation on a closed connection");
        assertThrows(RdmaException.class, () -> p.client().receiveAsync(f.dst().slice(0, 8)));
        p.client().close(); // idempotent
        // the peer notices too
        eventually("the peer sees the connection closed", () -> !p.server().isOpen());
        f.src().close();
        f.dst().close();
        checkNothingInUse(clientCtx);
        assertEquals(leaksBefore, CoreProbe.leaksFound(), "the leak detector found forgotten resources");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void operationsOnAClosedConnectionSayItIsClosed() {
        RdmaContext serverCtx = openContext();
        RdmaContext clientCtx = openContext();
        Pair p = connect(serverCtx, clientCtx);
        LocalMr target = allocate(serverCtx, 4096);
        p.server().grant(target, Access.REMOTE_ALL, Duration.ofMinutes(5));
        RemoteMr r = p.client().acceptGrant();
        LocalMr src = allocate(clientCtx, 4096);
        p.client().close();
        // the grant died with the connection, but what the user must hear is that the connection is closed
        for (Runnable op : List.<Runnable>of(
                () -> p.client().write(src.slice(0, 8), r.slice(0, 8)),
                () -> p.client().read(src.slice(0, 8), r.slice(0, 8)),
                () -> p.client().fetchAndAdd(r.slice(0, 8), 1),
                () -> p.client().send(src.slice(0, 8)),
                () -> p.client().receiveAsync(src.slice(0, 8)),
                () -> p.client().batch().write(src.slice(0, 8), r.slice(0, 8)).submitAsync(),
                () -> p.client().grant(src, Access.REMOTE_READ, Duration.ofMinutes(1)),
                () -> p.client().requestRemote(64, Access.REMOTE_READ, Duration.ofMinutes(1)),
                () -> p.client().acceptGrantAsync())) {
            assertThrows(ResourceClosedException.class, op::run, "an operation on a connection this side closed");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void thePeerClosingCompletesEveryPendingOperation() {
        RdmaContext serverCtx = openContext();
        RdmaContext clientCtx = openContext();
        Pair p = connect(serverCtx, clientCtx);
        InFlight f = startMany(p, serverCtx, clientCtx);
        CompletableFuture<RemoteMr> grantWait = p.client().acceptGrantAsync();
        p.server().close();
        List<CompletableFuture<?>> all = new ArrayList<>(f.futures());
        all.add(grantWait);
        assertAllComplete("the peer closed the connection", all);
        eventually("the connection whose peer closed reports itself closed", () -> !p.client().isOpen());
        assertThrows(RdmaException.class, () -> p.client().write(f.src().slice(0, 8), f.remote().slice(0, 8)));
        f.src().close();
        f.dst().close();
        checkNothingInUse(clientCtx);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void closingAContextCompletesEveryPendingOperationAndClosesEverything() {
        RdmaContext serverCtx = openContext();
        RdmaContext clientCtx = openContext();
        Pair p = connect(serverCtx, clientCtx);
        InFlight f = startMany(p, serverCtx, clientCtx);
        Listener l = listen(clientCtx);
        CompletableFuture<Connection> accepting = l.acceptAsync();
        clientCtx.close();
        assertFalse(clientCtx.isOpen());
        List<CompletableFuture<?>> all = new ArrayList<>(f.futures());
        all.add(accepting);
        long deadline = System.nanoTime() + patience().toNanos();
        for (CompletableFuture<?> x : all) {
            try {
                x.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                assertInstanceOf(RdmaException.class, e.getCause());
            } catch (Exception e) {
                fail("a pending operation did not complete when its context closed: " + e);
            }
        }
        assertFalse(p.client().isOpen(), "a connection of a closed context");
        assertThrows(ResourceClosedException.class, () -> clientCtx.allocate(64));
        assertThrows(RuntimeException.class, () -> f.src().putByte(0, (byte) 1), "a region of a closed context");
        clientCtx.close(); // idempotent
        eventually("the peer sees the connection closed", () -> !p.server().isOpen());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closingAListenerWakesItsAccepts() {
        RdmaContext ctx = openContext();
        Listener l = listen(ctx);
        CompletableFuture<Connection> a = l.acceptAsync();
        CompletableFuture<Connection> b = l.acceptAsync();
        l.close();
        assertInstanceOf(ResourceClosedException.class, awaitFailure(a));
        assertInstanceOf(ResourceClosedException.class, awaitFailure(b));
        l.close(); // idempotent
        RdmaContext client = openContext(o -> o.connectTimeout(Duration.ofSeconds(3)));
        InetSocketAddress gone = l.localAddress();
        assertThrows(RdmaException.class, () -> client.connect(gone), "connecting to a closed listener");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anAcceptTimesOut() {
        RdmaContext ctx = openContext();
        Listener l = listen(ctx);
        long t0 = System.nanoTime();
        assertThrows(io.rdma4j.OperationTimeoutException.class, () -> l.accept(Duration.ofMillis(300)));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(250), "accept returned before its timeout");
        // the listener still works afterwards
        RdmaContext client = openContext();
        Pair p = connect(l, client);
        assertTrue(p.client().isOpen() && p.server().isOpen());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void repeatedOpenAndCloseLeavesNothingBehind() {
        long leaksBefore = CoreProbe.leaksFound();
        RdmaContext serverCtx = openContext();
        Listener l = listen(serverCtx);
        for (int i = 0; i < 20; i++) {
            RdmaContext clientCtx = openContext();
            Pair p = connect(l, clientCtx);
            LocalMr m = clientCtx.allocate(1000 + i);
            LocalMr t = serverCtx.allocate(1000 + i);
            p.server().grant(t, Access.REMOTE_WRITE, Duration.ofMinutes(1));
            p.client().write(m.slice(), p.client().acceptGrant().slice());
            m.close();
            t.close();
            p.client().close();
            p.server().close();
            checkNothingInUse(clientCtx);
            clientCtx.close();
        }
        checkNothingInUse(serverCtx);
        System.gc();
        assertEquals(leaksBefore, CoreProbe.leaksFound(), "the leak detector found forgotten resources");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closingAListenerLeavesItsConnectionsOpen() {
        RdmaContext serverCtx = openContext();
        RdmaContext clientCtx = openContext();
        Listener l = listen(serverCtx);
        Pair p = connect(l, clientCtx);
        l.close();
        LocalMr m = allocate(serverCtx, 64);
        LocalMr s = allocate(clientCtx, 64);
        s.putLong(0, 77);
        CompletableFuture<io.rdma4j.Received> r = p.server().receiveAsync(m.slice(0, 64));
        p.client().send(s.slice(0, 8));
        assertEquals(8, await(r).byteLength());
        assertEquals(77, m.getLong(0));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBlockedReceiveWakesWhenItsConnectionCloses() throws Exception {
        RdmaContext serverCtx = openContext();
        RdmaContext clientCtx = openContext();
        Pair p = connect(serverCtx, clientCtx);
        LocalMr m = allocate(clientCtx, 64);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                p.client().receive(m.slice(0, 64));
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        Thread.sleep(200);
        p.client().close();
        Throwable e = await(outcome);
        assertTrue(e instanceof ConnectionClosedException || e instanceof io.rdma4j.FlushedException,
                "a blocked receive on a closed connection fails closed or flushed, not " + e);
        t.join();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void closingWhileOtherThreadsPostLosesNothing() throws Exception {
        for (int round = 0; round < 5; round++) {
            RdmaContext serverCtx = openContext();
            RdmaContext clientCtx = openContext();
            Pair p = connect(serverCtx, clientCtx);
            LocalMr target = allocate(serverCtx, 1 << 20);
            p.server().grant(target, Access.REMOTE_ALL, Duration.ofMinutes(1));
            RemoteMr r = p.client().acceptGrant();
            List<CompletableFuture<?>> fs = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
            List<LocalMr> regions = new ArrayList<>();
            List<Thread> posters = new ArrayList<>();
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(4);
            for (int t = 0; t < 4; t++) {
                LocalMr m = clientCtx.allocate(64 << 10); // closed by the posting thread as it stops
                regions.add(m);
                int me = t;
                posters.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    try {
                        for (int k = 0; ; k++) {
                            long off = (k % 8) * 8192L;
                            fs.add(switch ((k + me) % 3) {
                                case 0 -> p.client().writeAsync(m.slice(off, 8192), r.slice(me * 65536L + off, 8192));
                                case 1 -> p.client().fetchAndAddAsync(r.slice((1 << 20) - 8, 8), 1);
                                default -> p.client().sendAsync(m.slice(off, 64)); // no receives: waits, then fails at close
                            });
                        }
                    } catch (RdmaException e) {
                        // refused once the connection closed (or a range is still lent): posting stops
                        if (!(e instanceof ResourceClosedException || e instanceof ConnectionClosedException
                                || e instanceof io.rdma4j.MemoryInUseException)) {
                            unexpected.add(e);
                        }
                    } catch (Throwable e) {
                        unexpected.add(e);
                    } finally {
                        m.close();
                    }
                }));
            }
            started.await();
            Thread.sleep(20 + 10 * round);
            p.client().close();
            for (Thread t : posters) {
                t.join(patience().toMillis());
                assertFalse(t.isAlive(), "a posting thread hangs after its connection closed");
            }
            assertTrue(unexpected.isEmpty(), "posting threw " + unexpected);
            List<CompletableFuture<?>> all;
            synchronized (fs) {
                all = new ArrayList<>(fs);
            }
            assertAllCompleteQuietly("round " + round, all);
            checkNothingInUse(clientCtx);
        }
    }

    private void assertAllCompleteQuietly(String what, List<CompletableFuture<?>> fs) {
        long deadline = System.nanoTime() + patience().toNanos();
        for (CompletableFuture<?> f : fs) {
            try {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                assertInstanceOf(RdmaException.class, e.getCause(), what);
            } catch (TimeoutException e) {
                fail(what + ": an operation never completed after its connection closed (" + fs.size() + " posted)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void connectingWhereNobodyListensFailsPromptly() throws Exception {
        RdmaContext ctx = openContext(b -> b.connectTimeout(Duration.ofSeconds(5)));
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host()))) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        assertThrows(io.rdma4j.ConnectionException.class, () -> ctx.connect(new InetSocketAddress(host(), port)));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(8), "a refused connect took longer than the connect timeout");
        Throwable e = awaitFailure(ctx.connectAsync(new InetSocketAddress(host(), port)));
        assertInstanceOf(io.rdma4j.ConnectionException.class, e);
        checkNothingInUse(ctx);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void connectingToAListenerThatNeverAcceptsTimesOut() {
        RdmaContext serverCtx = openContext();
        RdmaContext clientCtx = openContext(b -> b.connectTimeout(Duration.ofSeconds(1)));
        Listener l = listen(serverCtx); // nobody calls accept
        long t0 = System.nanoTime();
        assertThrows(io.rdma4j.ConnectionException.class, () -> clientCtx.connect(l.localAddress()));
        long took = System.nanoTime() - t0;
        assertTrue(took < TimeUnit.SECONDS.toNanos(6), "a connect with a 1 s timeout took " + took / 1_000_000 + " ms");
        checkNothingInUse(clientCtx);
        // the listener still serves the next client; the abandoned attempt must not take its place
        RdmaContext patient = openContext(b -> b.connectTimeout(Duration.ofSeconds(5)));
        CompletableFuture<Connection> accepted = l.acceptAsync();
        CompletableFuture<Connection> connected = patient.connectAsync(l.localAddress());
        Connection s = track(await(accepted));
        Connection c = track(await(connected));
        assertTrue(c.isOpen() && s.isOpen(), "the accepted connection is the live one");
        LocalMr m = allocate(serverCtx, 64);
        LocalMr src = allocate(patient, 64);
        CompletableFuture<io.rdma4j.Received> r = s.receiveAsync(m.slice(0, 64));
        c.send(src.slice(0, 8));
        assertEquals(8, await(r).byteLength());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aForgottenRegionIsFreedAndReported() {
        RdmaContext ctx = openContext(b -> b.leakDetection(io.rdma4j.LeakDetection.PARANOID));
        long regions = CoreProbe.regionsInUse(ctx);
        long bytes = CoreProbe.poolBytesInUse(ctx);
        long leaks = CoreProbe.leaksFound();
        forget(ctx);
        assertEquals(regions + 1, CoreProbe.regionsInUse(ctx));
        eventually("the leak detector frees and reports a region nobody closed", () -> {
            System.gc();
            return CoreProbe.leaksFound() > leaks;
        });
        assertEquals(leaks + 1, CoreProbe.leaksFound(), "one region was forgotten");
        eventually("the forgotten region goes back to the pool",
                () -> CoreProbe.regionsInUse(ctx) == regions && CoreProbe.poolBytesInUse(ctx) == bytes);
    }

    private static void forget(RdmaContext ctx) {
        LocalMr m = ctx.allocate(10_000);
        m.putLong(0, 1);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void closedContextsLeaveNoThreadsBehind() {
        java.util.function.Supplier<List<String>> platformThreads = () -> Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isVirtual()).map(Thread::getName).sorted().toList();
        List<String> before = null;
        for (int i = 0; i < 11; i++) {
            if (i == 1) {
                // after one round: the JVM's own threads (virtual-thread carriers, cleaners) exist by now
                before = platformThreads.get();
            }
            try (RdmaContext a = io.rdma4j.Rdma.open(options(b -> {}));
                 RdmaContext b = io.rdma4j.Rdma.open(options(o -> {}));
                 Listener l = a.listen(new InetSocketAddress(host(), 0))) {
                CompletableFuture<Connection> acc = l.acceptAsync();
                try (Connection c = b.connect(l.localAddress()); Connection s = await(acc);
                     LocalMr m = a.allocate(4096); LocalMr n = b.allocate(4096)) {
                    s.grant(m, Access.REMOTE_WRITE, Duration.ofMinutes(1));
                    c.write(n.slice(), c.acceptGrant().slice());
                }
            }
        }
        List<String> baseline = before;
        eventually("threads of closed contexts end (after one round: " + baseline + ", now: " + platformThreads.get() + ")",
                () -> platformThreads.get().size() <= baseline.size() + 2);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closingFromACompletionCallbackNeitherDeadlocksNorLeaks() {
        for (boolean wholeContext : new boolean[] {false, true}) {
            RdmaContext serverCtx = openContext();
            RdmaContext clientCtx = openContext();
            Pair p = connect(serverCtx, clientCtx);
            LocalMr target = allocate(serverCtx, 4096);
            p.server().grant(target, Access.REMOTE_WRITE, Duration.ofMinutes(1));
            RemoteMr r = p.client().acceptGrant();
            LocalMr src = allocate(clientCtx, 4096);
            CompletableFuture<io.rdma4j.Received> pending = p.client().receiveAsync(src.slice(2048, 64));
            long t0 = System.nanoTime();
            CompletableFuture<Void> closed = p.client().writeAsync(src.slice(0, 64), r.slice(0, 64))
                    .thenRun(wholeContext ? clientCtx::close : p.client()::close);
            await(closed);
            String what = wholeContext ? "closing the context" : "closing the connection";
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), what + " from a callback took "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertFalse(p.client().isOpen());
            assertInstanceOf(RdmaException.class, awaitFailure(pending), "a receive pending when " + what + " from a callback");
            if (!wholeContext) {
                src.close();
                checkNothingInUse(clientCtx);
            } else {
                assertFalse(clientCtx.isOpen());
            }
        }
    }
}
