package io.rdma4j.internal;

import io.rdma4j.Access;
import io.rdma4j.spi.MemoryRegistration;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One grant: its own registration (own rkey) of exactly the granted range, a monotonic lease
 * deadline, and a place in its connection's grant table. Revocation deregisters, so the rkey is
 * dead for the peer whatever the peer believes.
 *
 * <p>The region's and the connection's tables and the lease timer hold this, not the user's
 * {@link GrantImpl} (whose slice holds the region's handle): an active grant must not keep a
 * forgotten region or context reachable. A grant itself is not leak-tracked: dropping its handle
 * is fine, the lease, the region's close or the connection's close ends it.
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
    private final AtomicBoolean active = new AtomicBoolean(true);
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

    Duration remainingLease() {
        long left = deadlineNanos - System.nanoTime();
        return active.get() && left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    boolean isActive() {
        return active.get() && deadlineNanos - System.nanoTime() > 0;
    }

    boolean isRevoked() {
        return !active.get();
    }

    /**
     * Deregisters (the rkey dies), leaves the tables, tells the peer when asked to.
     *
     * @param tellPeer false when the peer released it or the connection is gone
     */
    void revoke(boolean tellPeer) {
        if (!active.compareAndSet(true, false)) {
            return;
        }
        ScheduledFuture<?> f = expiry;
        if (f != null) {
            f.cancel(false);
        }
        registration.close();
        memory.removeGrant(this);
        connection.grantRevoked(this, tellPeer);
        if (ownsMemory) {
            memory.close();
        }
    }
}
