package io.rdma4j;

import java.time.Duration;

/**
 * The granting side of a {@link RemoteMr}: the registration the peer uses. Revoking (or the
 * lease ending) deregisters it, so the peer's rkey is dead from then on.
 */
public interface Grant extends AutoCloseable {

    /** The id the peer sees in {@link RemoteMr#grantId()}. */
    long grantId();

    /** The granted memory. */
    LocalSlice region();

    /** What the peer may do. */
    Access access();

    /** Lease time left; zero once the deadline passed or a revocation began. */
    Duration remainingLease();

    /**
     * Whether the peer can still use it: true until its registration is gone. When the lease
     * ends, that is moments after {@link #remainingLease()} reaches zero, once the library's
     * timer has revoked it; when it is false, no access of the peer's can land any more.
     */
    boolean isActive();

    /**
     * Revokes now; idempotent. Returns once the peer's key is dead, also when the lease timer,
     * the peer's release or a close is revoking it at the same moment. The peer is told, but
     * the revocation does not wait for the peer.
     *
     * @throws RdmaException when the registration could not be deregistered (the device refused):
     *     the peer is told, but its key may still work, so the grant stays active and its memory
     *     is never reused
     */
    void revoke();

    /** Same as {@link #revoke()}. */
    @Override
    default void close() {
        revoke();
    }
}
