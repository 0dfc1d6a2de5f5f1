package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.Grant;
import io.rdma4j.LeaseExpiredException;
import io.rdma4j.LocalMr;
import io.rdma4j.MemoryView;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.RemoteMr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Revocations under faults. <b>Races:</b> the user's {@code revoke}, the lease timer, the peer's
 * release and the region's close may all revoke one grant at once. Only one of them
 * deregisters; the others must not return before that is done, because each relies on the
 * peer's key being dead (the user reuses the memory, the region's close gives it back to the
 * pool for someone else). <b>A failed deregistration</b> leaves the peer's key working, so the
 * memory must never be reused. The granting side runs the provider under test through
 * {@link FaultProvider}, which holds the first revocation inside its deregistration while the
 * test races the others against it, or makes the deregistration fail.
 */
public abstract class RevocationFaultContract extends FaultContractSupport {
    /** For a provider's subclass. */
    protected RevocationFaultContract() {}

    /** How long a call that must wait is watched: it returning sooner is the failure. */
    private static final Duration STILL_WAITING = Duration.ofMillis(300);

    /** A grant of the fault-wrapped side's memory, held by the plain side. */
    private record Granted(RdmaContext granter, Pair pair, LocalMr mem, Grant grant, RemoteMr remote, LocalMr src) {}

    private Granted granted() {
        return granted(track(openGranter()));
    }

    private RdmaContext openGranter() {
        return openBehindFaults(b -> {});
    }

    private Granted granted(RdmaContext granter) {
        RdmaContext holder = openContext();
        Pair pair = connect(holder, granter); // the granter connects: the wrapper wraps connecting endpoints
        LocalMr mem = allocate(granter, 4096);
        Grant grant = pair.client().grant(mem.slice(0, 4096), Access.REMOTE_ALL, Duration.ofMinutes(10));
        RemoteMr remote = pair.server().acceptGrant();
        LocalMr src = allocate(holder, 64);
        src.put(0, Patterns.bytes(7, 64));
        return new Granted(granter, pair, mem, grant, remote, src);
    }

    /** Starts {@code what} on a thread of its own and records what it threw. */
    private static Thread start(String name, Runnable what, AtomicReference<Throwable> failure) {
        return Thread.ofPlatform().name(name).start(() -> {
            try {
                what.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
    }

    /** Starts a revocation and waits until the wrapper holds it inside its deregistration. */
    private static Thread holdARevocation(Grant grant, AtomicReference<Throwable> failure) throws InterruptedException {
        CountDownLatch holding = FaultProvider.holdNextPeerDeregistration();
        Thread first = start("first-revoke", grant::revoke, failure);
        assertTrue(holding.await(30, TimeUnit.SECONDS), "the first revocation never reached the deregistration");
        return first;
    }

    private static void joinAll(AtomicReference<Throwable> failure, Thread... threads) throws InterruptedException {
        for (Thread t : threads) {
            assertTrue(t.join(Duration.ofSeconds(30)), t.getName() + " did not return once the deregistration was done");
        }
        if (failure.get() != null) {
            throw new AssertionError("a racing call failed", failure.get());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aRevokeRacingAnotherReturnsOnlyOnceThePeersKeyIsDead() throws Exception {
        Granted g = granted();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread first = holdARevocation(g.grant(), failure);

        // Mid-deregistration the peer's key still works, and the grant says so.
        assertTrue(g.grant().isActive(), "a grant whose key still works says it is not active");
        assertEquals(Duration.ZERO, g.grant().remainingLease(), "a grant being revoked has lease left");
        g.pair().server().write(g.src().slice(0, 64), g.remote().slice(0, 64));
        Patterns.assertHolds("a WRITE while the revocation is held", g.mem(), 0, Patterns.bytes(7, 64));

        Thread second = start("second-revoke", g.grant()::revoke, failure);
        assertFalse(second.join(STILL_WAITING), "a second revoke() returned while the peer's key still worked");

        FaultProvider.release();
        joinAll(failure, first, second);
        assertFalse(g.grant().isActive(), "a revoked grant is still active");
        eventually("the holder sees the revocation", () -> !g.remote().isValid());
        assertThrows(LeaseExpiredException.class,
                () -> g.pair().server().write(g.src().slice(0, 8), g.remote().slice(0, 8)));
        assertTrue(g.pair().client().isOpen(), "a revocation race broke the connection");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void closingGrantedMemoryWaitsForARevocationInProgress() throws Exception {
        Granted g = granted();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread first = holdARevocation(g.grant(), failure);
        long inUse = CoreProbe.poolBytesInUse(g.granter());
        assertTrue(inUse >= 4096, "the granted memory is not counted in use: " + inUse);

        // The region's close would give the memory back to the pool for reuse while the peer
        // can still write to it; it must wait for the deregistration.
        Thread close = start("close-memory", g.mem()::close, failure);
        assertFalse(close.join(STILL_WAITING), "closing the memory returned while the peer's key still worked");
        assertEquals(inUse, CoreProbe.poolBytesInUse(g.granter()), "granted memory went back to the pool while the peer's key worked");

        FaultProvider.release();
        joinAll(failure, first, close);
        assertFalse(g.grant().isActive(), "a revoked grant is still active");
        eventually("the closed memory goes back to the pool", () -> CoreProbe.poolBytesInUse(g.granter()) < inUse);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void memoryWhoseGrantCouldNotBeDeregisteredIsNeverReused() {
        // Not tracked: its pool keeps the memory for good, which the teardown's leak check
        // would report; this test closes it itself.
        RdmaContext granter = openGranter();
        try {
            Granted g = granted(granter);
            long kept = g.remote().address();
            FaultProvider.failNextPeerDeregistration();

            RdmaException e = assertThrows(RdmaException.class, g.grant()::revoke, "a failed deregistration");
            assertTrue(e.getMessage().contains("kept out of use"), "the failure does not say what became of the memory: " + e);
            assertTrue(g.grant().isActive(), "a grant whose key may still work says it is not active");
            eventually("the holder is told of the revocation", () -> !g.remote().isValid());
            // No second attempt, and no pretending: each later revoke() says the key may still work.
            assertThrows(RdmaException.class, g.grant()::revoke, "revoking a grant kept after a failed deregistration");
            assertTrue(g.grant().isActive(), "a grant whose key may still work says it is not active");

            long inUse = CoreProbe.poolBytesInUse(granter);
            g.mem().close();
            assertEquals(inUse, CoreProbe.poolBytesInUse(granter), "memory the peer may still reach went back to the pool");
            // Whatever is allocated next, of the same size, is somewhere else.
            List<LocalMr> later = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                LocalMr m = granter.allocate(4096);
                later.add(m);
                try (MemoryView v = m.view(0, 4096)) {
                    long a = v.segment().address();
                    assertTrue(a + 4096 <= kept || a >= kept + 4096, "memory the peer may still reach was handed out again");
                }
            }
            later.forEach(LocalMr::close);
            assertTrue(g.pair().client().isOpen(), "a failed deregistration broke the connection");
        } finally {
            FaultProvider.release(); // deregisters for real, so the context closes cleanly
            granter.close();
        }
    }
}
