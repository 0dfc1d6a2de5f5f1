package io.rdma4j.internal;

import io.rdma4j.Access;
import io.rdma4j.Grant;
import io.rdma4j.LocalSlice;
import io.rdma4j.spi.MemoryRegistration;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One grant: its own registration (own rkey) of exactly the granted range, a monotonic lease
 * deadline, and a place in its connection's grant table. Revocation deregisters, so the rkey is
 * dead for the peer whatever the peer believes.
 */
final class GrantImpl implements Grant {
    private final ConnectionImpl connection;
    private final long grantId;
    private final MrState memory;
    private final LocalSlice region;
    private final Access access;
    private final MemoryRegistration registration;
    private final long deadlineNanos;
    /** True when the peer asked for this memory: revoking also frees it. */
    private final boolean ownsMemory;
    private final AtomicBoolean active = new AtomicBoolean(true);
    private volatile ScheduledFuture<?> expiry;

    GrantImpl(ConnectionImpl connection, long grantId, MrState memory, LocalSlice region, Access access,
              MemoryRegistration registration, long deadlineNanos, boolean ownsMemory) {
        this.connection = connection;
        this.grantId = grantId;
        this.memory = memory;
        this.region = region;
        this.access = access;
        this.registration = registration;
        this.deadlineNanos = deadlineNanos;
        this.ownsMemory = ownsMemory;
    }

    void expiry(ScheduledFuture<?> f) {
        expiry = f;
    }

    MemoryRegistration registration() {
        return registration;
    }

    boolean ownsMemory() {
        return ownsMemory;
    }

    @Override
    public long grantId() {
        return grantId;
    }

    @Override
    public LocalSlice region() {
        return region;
    }

    @Override
    public Access access() {
        return access;
    }

    @Override
    public Duration remainingLease() {
        long left = deadlineNanos - System.nanoTime();
        return active.get() && left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    @Override
    public boolean isActive() {
        return active.get() && deadlineNanos - System.nanoTime() > 0;
    }

    @Override
    public void revoke() {
        revoke(true);
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
            memory.close(false);
        }
    }

    @Override
    public String toString() {
        return "Grant[" + grantId + " " + access + " " + region.length() + " bytes" + (active.get() ? "" : ", revoked") + "]";
    }
}
