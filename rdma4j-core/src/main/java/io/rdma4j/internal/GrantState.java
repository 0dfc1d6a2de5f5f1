package io.rdma4j.internal;

import io.rdma4j.Access;
import io.rdma4j.RdmaException;
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
 *
 * <p>A deregistration that fails leaves the peer's key working, so the grant stays active for
 * good and its memory is never reused ({@link MrState#keepForever}): the revoker gets the
 * failure, the peer is still told, and the rest of the revocation goes on.
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
    private static final System.Logger LOG = System.getLogger("io.rdma4j.grants");
    /**
     * Guarded by this: {@link #ACTIVE}, then {@link #REVOKING} (one thread deregisters), then
     * {@link #DEAD}, or {@link #KEPT} when the deregistration failed.
     */
    private int phase = ACTIVE;
    private static final int ACTIVE = 0;
    private static final int REVOKING = 1;
    private static final int DEAD = 2;
    private static final int KEPT = 3;
    /** The thread deregistering, while {@link #REVOKING}: it must not wait for itself. */
    private Thread revoker;
    /** Why the deregistration failed, once {@link #KEPT}. */
    private RuntimeException keptBecause;
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
     * lease's deadline that is until the lease timer has run, moments later; after a failed
     * deregistration, for good.
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
     * @throws RdmaException when the deregistration failed, this call's or an earlier one's;
     *     the grant is then kept active and its memory out of use for good, and the rest of the
     *     revocation is done
     */
    void revoke(boolean tellPeer) {
        if (!begin()) {
            return;
        }
        ScheduledFuture<?> f = expiry;
        if (f != null) {
            f.cancel(false);
        }
        RuntimeException failure = null;
        try {
            registration.close();
        } catch (RuntimeException e) {
            failure = e;
            memory.keepForever(); // before the waiters go on: a racing close must not free it
            LOG.log(System.Logger.Level.ERROR, "deregistering grant " + grantId + " (" + length + " bytes) failed, so the"
                    + " peer's key may still work; its memory is kept out of use for the life of the process", e);
        } finally {
            end(failure); // also on failure: no waiter may hang
        }
        memory.removeGrant(this);
        connection.grantRevoked(this, tellPeer);
        if (ownsMemory) {
            memory.close();
        }
        if (failure != null) {
            throw kept(failure);
        }
    }

    private RdmaException kept(RuntimeException cause) {
        return new RdmaException("revoking grant " + grantId + " failed to deregister it, so the peer's key may still"
                + " work; its memory is kept out of use for the life of the process: " + cause.getMessage(), cause);
    }

    /**
     * Makes this thread the revoker, or waits for the one there is.
     *
     * @return whether this thread is to deregister
     * @throws RdmaException when an earlier deregistration failed
     */
    private synchronized boolean begin() {
        if (phase == ACTIVE) {
            phase = REVOKING;
            revoker = Thread.currentThread();
            return true;
        }
        boolean interrupted = false;
        // A deregistration is one bounded system call (tcp: the end of an access in progress);
        // the revoker itself, re-entering from inside its deregistration (tcp may abort a stalled
        // endpoint there, which closes the connection and revokes its grants), does not wait.
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
        if (phase == KEPT) {
            throw kept(keptBecause); // the key is not dead: no caller may carry on as if it were
        }
        return false;
    }

    private synchronized void end(RuntimeException failure) {
        phase = failure == null ? DEAD : KEPT;
        keptBecause = failure;
        revoker = null;
        notifyAll();
    }
}
