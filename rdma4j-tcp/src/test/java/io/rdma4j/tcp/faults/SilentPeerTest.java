package io.rdma4j.tcp.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rdma4j.Connection;
import io.rdma4j.ConnectionClosedException;
import io.rdma4j.FlushedException;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.RdmaOptions;
import io.rdma4j.RemoteMr;
import io.rdma4j.RetryExceededException;
import io.rdma4j.internal.ContextImpl;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that goes silent in the middle of a transfer, without FIN or RST: the link is cut (a
 * network namespace's veth taken down) or the peer process is frozen (SIGSTOP). The provider
 * sees silence for ackTimeout x (retryCount + 1); then every pending operation must end, the
 * first with RETRY_EXC_ERR and the rest flushed, within that bound plus a tick, and nothing leaks.
 * The peer runs in its own JVM ({@link FaultPeer}). {@code -Drdma4j.faults.rounds=N} repeats.
 */
class SilentPeerTest {
    static final Duration ACK_TIMEOUT = Duration.ofMillis(200);
    static final int RETRY_COUNT = 2;
    static final long SILENCE_MS = ACK_TIMEOUT.toMillis() * (RETRY_COUNT + 1);
    /** Detection is checked every 100 ms tick; completions then travel through the poller. */
    static final long SLACK_MS = 2000;
    static final AtomicLong FAULTS = new AtomicLong();

    @FunctionalInterface
    interface Fault {
        void inject() throws Exception;
    }

    @Test
    @Timeout(300)
    void linkCutWithoutFinFailsEveryPendingOperationInTime() throws Exception {
        String why = Netns.unavailable();
        assumeTrue(why == null, () -> "skipped: " + why);
        for (int round = 0; round < Integer.getInteger("rdma4j.faults.rounds", 1); round++) {
            try (Netns ns = Netns.create(); FaultPeer.Started peer = FaultPeer.start(ns.exec(), ns.peerAddress)) {
                silentPeer(peer.address(), ns::cut, "link cut");
            }
        }
    }

    @Test
    @Timeout(300)
    void frozenPeerProcessFailsEveryPendingOperationInTime() throws Exception {
        for (int round = 0; round < Integer.getInteger("rdma4j.faults.rounds", 1); round++) {
            try (FaultPeer.Started peer = FaultPeer.start(List.of(), "127.0.0.1")) {
                silentPeer(peer.address(), () -> peer.signal("STOP"), "SIGSTOP");
            }
        }
    }

    private static void silentPeer(InetSocketAddress address, Fault fault, String what) throws Exception {
        RdmaOptions o = RdmaOptions.builder().provider("tcp").ackTimeout(ACK_TIMEOUT).retryCount(RETRY_COUNT)
                .operationTimeout(Duration.ofSeconds(20)).connectTimeout(Duration.ofSeconds(20)).build();
        int mib = 1 << 20;
        try (RdmaContext ctx = Rdma.open(o)) {
            Connection c = ctx.connect(address);
            LocalMr src = ctx.allocate(mib);
            LocalMr dst = ctx.allocate(mib);
            LocalMr inbox = ctx.allocate(4096);
            RemoteMr remote = c.acceptGrant();
            assertEquals(FaultPeer.REGION, remote.length());

            // The link works: a checked round trip.
            byte[] pattern = new byte[65536];
            new java.util.Random(7).nextBytes(pattern);
            src.put(0, pattern);
            c.write(src.slice(0, pattern.length), remote.slice(0, pattern.length));
            c.read(dst.slice(0, pattern.length), remote.slice(0, pattern.length));
            assertArrayEquals(pattern, dst.getBytes(0, pattern.length));

            // A transfer in progress: 16 writes of 1 MiB kept in flight.
            List<CompletableFuture<?>> writes = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            Thread producer = Thread.ofVirtual().start(() -> {
                int i = 0;
                List<CompletableFuture<?>> window = new ArrayList<>();
                while (!stop.get()) {
                    window.removeIf(CompletableFuture::isDone);
                    if (window.size() >= 16) {
                        Thread.onSpinWait();
                        continue;
                    }
                    try {
                        CompletableFuture<Void> f = c.writeAsync(src.slice(), remote.slice((long) (i++ % 3) * mib, mib));
                        f.thenRun(done::incrementAndGet);
                        window.add(f);
                        writes.add(f);
                    } catch (RdmaException e) {
                        return; // the connection failed: posting is refused, as documented
                    }
                }
            });
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (done.get() < 8 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertTrue(done.get() >= 8, "the transfer did not get going before the fault");

            fault.inject();
            FAULTS.incrementAndGet();
            long t0 = System.nanoTime();
            // Every other kind of operation pending at the fault.
            List<CompletableFuture<?>> others = new ArrayList<>();
            others.add(c.readAsync(dst.slice(0, 65536), remote.slice(0, 65536)));
            others.add(c.fetchAndAddAsync(remote.slice(FaultPeer.REGION - 8, 8), 1));
            others.add(c.compareAndSwapAsync(remote.slice(FaultPeer.REGION - 16, 8), 0, 1));
            others.add(c.sendAsync(src.slice(0, 100)));
            others.add(c.writeWithImmAsync(src.slice(0, 64), remote.slice(0, 64), 9));
            others.add(c.receiveAsync(inbox.slice()));
            others.add(c.batch().write(src.slice(0, 4096), remote.slice(0, 4096))
                    .read(dst.slice(65536, 4096), remote.slice(4096, 4096)).submitAsync());
            stop.set(true);
            producer.join();

            List<CompletableFuture<?>> all = new ArrayList<>(writes);
            all.addAll(others);
            long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(SILENCE_MS + SLACK_MS);
            int ok = 0;
            int retry = 0;
            int flushed = 0;
            int closed = 0;
            for (CompletableFuture<?> f : all) {
                try {
                    f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    ok++;
                    assertFalse(others.contains(f), "an operation posted after the " + what + " succeeded");
                } catch (TimeoutException e) {
                    throw new AssertionError("an operation was still pending " + (SILENCE_MS + SLACK_MS) + " ms after the "
                            + what + " (" + all.indexOf(f) + " of " + all.size() + ")");
                } catch (ExecutionException e) {
                    Throwable t = e.getCause();
                    if (t instanceof RetryExceededException) {
                        retry++;
                    } else if (t instanceof FlushedException) {
                        flushed++;
                    } else if (t instanceof ConnectionClosedException) {
                        closed++;
                    } else {
                        throw new AssertionError("a pending operation failed with the wrong error after the " + what, t);
                    }
                }
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(1, retry, "exactly one operation (the oldest) ends with RETRY_EXC_ERR, the rest flush");
            assertFalse(c.isOpen());
            assertThrows(ConnectionClosedException.class, () -> c.write(src.slice(0, 8), remote.slice(0, 8)));
            long closeStart = System.nanoTime();
            c.close();
            long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStart);
            assertTrue(closeMs < 6000, "close took " + closeMs + " ms");
            src.close();
            dst.close();
            inbox.close();
            ContextImpl ci = (ContextImpl) ctx;
            assertEquals(0, ci.regionsInUse(), "regions left after the " + what);
            assertEquals(0, ci.poolBytesInUse(), "pool bytes left after the " + what);
            System.out.printf("faults: %s: %d ops pending or done at the fault, all ended %d ms after it (bound %d ms): "
                    + "%d ok, %d RETRY_EXC_ERR, %d flushed, %d closed; close took %d ms; 0 regions, 0 bytes left%n",
                    what, all.size(), took, SILENCE_MS + SLACK_MS, ok, retry, flushed, closed, closeMs);
        }
    }
}
