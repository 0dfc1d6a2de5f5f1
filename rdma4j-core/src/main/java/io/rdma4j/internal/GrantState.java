package io.rdma4j.internal;

import io.rdma4j.Access;
import io.rdma4j.spi.MemoryRegistration;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;

/**
 * One grant: its own registration (own rkey) of exactly the granted range, a monotonic lease
 * deadline, and a place in its connection's grant table. Revocation deregisters, so the rkey is
 * dead for the peer whatever the peer believes.
 *
 * <p>The region's and the connection's tables and the lease timer hold this, not the user's
 * {@link GrantImpl} (whose slice holds the region's handle): an active grant must not keep a
 * forgotten region or context reachable. A grant itself is not leak-tracked: dropping its handle
 * is fine, the lease, the region's close or the connection's close ends it.
 *
 * <p>Revocation has one owner and many waiters: the user's {@code revoke}, the lease timer, the
 * peer's release, the region's close and the connection's close may race. Whoever comes first
 * deregisters; everyone else waits until that is done, because each of them goes on to rely on
 * it (the region's close gives the memory back to the pool, the user reuses it). A grant is
 * active, that is usable by the peer, until the deregistration is done.
 */
final class GrantState {
    private final ConnectionState connection;
    final long grantId;
    private final MrState memory;
    final long length;
    final Access access;
    private final MemoryRegistration registration;
    private final long deadlineNanos;
    /** True when the peer asked for this memory: revoking also frees it. */
    private final boolean ownsMemory;
    /** Guarded by this: {@link #ACTIVE}, then {@link #REVOKING} (one thread deregisters), then {@link #DEAD}. */
    private int phase = ACTIVE;
    private static final int ACTIVE = 0;
    private static final int REVOKING = 1;
    private static final int DEAD = 2;
    /** The thread deregistering, while {@link #REVOKING}: it must not wait for itself. */
    private Thread revoker;
    private volatile ScheduledFuture<?> expiry;

    GrantState(ConnectionState connection, long grantId, MrState memory, long length, Access access,
               MemoryRegistration registration, long deadlineNanos, boolean ownsMemory) {
        this.connection = connection;
        this.grantId = grantId;
        this.memory = memory;
        this.length = length;
        this.access = access;
        this.registration = registration;
        this.deadlineNanos = deadlineNanos;
        this.ownsMemory = ownsMemory;
    }

    void expiry(ScheduledFuture<?> f) {
        expiry = f;
    }

    boolean ownsMemory() {
        return ownsMemory;
    }

    /** Zero once the deadline passed or a revocation began. */
    Duration remainingLease() {
        long left = deadlineNanos - System.nanoTime();
        return phase() == ACTIVE && left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    /**
     * Whether the peer can still use the grant: true until its key is deregistered. Past the
     * lease's deadline that is until the lease timer has run, moments later.
     */
    boolean isActive() {
        return phase() != DEAD;
    }

    /** Whether a revocation began (the grant may still be deregistering). */
    boolean isRevoked() {
        return phase() != ACTIVE;
    }

    private synchronized int phase() {
        return phase;
    }

    /**
     * Deregisters (the rkey dies), leaves the tables, tells the peer when asked to. Returns once
     * the key is dead, also when another thread's revocation is doing the deregistering.
     *
     * @param tellPeer false when the peer released it or the connection is gone
     */
    void revoke(boolean tellPeer) {
        if (!begin()) {
            return;
        }
        ScheduledFuture<?> f = expiry;
        if (f != null) {
            f.cancel(false);
        }
        try {
            registration.close();
        } finally {
            // Also on failure: a waiter must not hang on a deregistration that will not finish.
            // The revoker reports the failure; ibv_dereg_mr fails only on a handle it never gave.
            end();
        }
        memory.removeGrant(this);
        connection.grantRevoked(this, tellPeer);
        if (ownsMemory) {
            memory.close();
        }
    }

    /**
     * Makes this thread the revoker, or waits for the one there is.
     *
     * @return whether this thread is to deregister
     */
    private synchronized boolean begin() {
        if (phase == ACTIVE) {
            phase = REVOKING;
            revoker = Thread.currentThread();
            return true;
        }
        boolean interrupted = false;
        // A deregistration is one bounded system call (tcp: the end of an access in progress);
        // the revoker itself, re-entering through the memory it closes, does not wait.
        while (phase == REVOKING && revoker != Thread.currentThread()) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private synchronized void end() {
        phase = DEAD;
        revoker = null;
        notifyAll();
    }
}
