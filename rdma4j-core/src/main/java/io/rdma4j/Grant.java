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

    /** Lease time left; zero once revoked or expired. */
    Duration remainingLease();

    /** Whether the peer can still use it. */
    boolean isActive();

    /** Revokes now; idempotent. The peer is told, but the revocation does not wait for it. */
    void revoke();

    /** Same as {@link #revoke()}. */
    @Override
    default void close() {
        revoke();
    }
}
