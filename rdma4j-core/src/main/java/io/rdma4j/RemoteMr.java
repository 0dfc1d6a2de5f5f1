package io.rdma4j;

import java.time.Duration;

/**
 * A capability to a peer's memory: address, length, rkey, access and lease, valid only on the
 * connection it came from. Operations check bounds, access and lease before they post; the peer
 * checks again (on verbs, its hardware does) and a revoked rkey fails with a remote access error.
 * A zero-length read or write moves no data and may pass the peer without that check (the
 * InfiniBand spec does not validate the rkey of a zero-length transfer): it can succeed just after
 * the peer revoked the grant, so it is no test of whether a grant is alive.
 */
public interface RemoteMr {

    /** The peer's id for this grant. */
    long grantId();

    /** The remote virtual address of the first byte. */
    long address();

    /** Bytes granted. */
    long length();

    /** The remote key. */
    int rkey();

    /** What is allowed. */
    Access access();

    /** The connection this capability is valid on. */
    Connection connection();

    /** Lease time left, measured on this side's monotonic clock; zero once expired. */
    Duration remainingLease();

    /** Whether the grant is still usable: not expired, released or revoked. */
    boolean isValid();

    /** The whole grant as a slice. */
    RemoteSlice slice();

    /**
     * A range of the grant.
     *
     * @param offset first byte
     * @param length bytes
     * @return the slice
     */
    RemoteSlice slice(long offset, long length);
}
