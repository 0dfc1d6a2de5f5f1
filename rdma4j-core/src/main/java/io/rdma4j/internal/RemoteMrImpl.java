package io.rdma4j.internal;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.RemoteMr;
import io.rdma4j.RemoteSlice;
import java.time.Duration;

/**
 * The holder's side of a grant. The lease is measured on this side's monotonic clock from the
 * moment the grant arrived, so it can only end later here than at the granter: a post in that
 * gap fails at the peer with a remote access error, never succeeds past revocation.
 */
final class RemoteMrImpl implements RemoteMr {
    private final ConnectionState connection;
    private final long grantId;
    private final long address;
    private final long length;
    private final int rkey;
    private final Access access;
    private final long deadlineNanos;
    private final RemoteSlice whole;
    private volatile boolean invalidated;

    RemoteMrImpl(ConnectionState connection, long grantId, long address, long length, int rkey, Access access,
                 long deadlineNanos) {
        this.connection = connection;
        this.grantId = grantId;
        this.address = address;
        this.length = length;
        this.rkey = rkey;
        this.access = access;
        this.deadlineNanos = deadlineNanos;
        this.whole = new RemoteSlice(this, 0, length);
    }

    void invalidate() {
        invalidated = true;
    }

    boolean invalidated() {
        return invalidated;
    }

    boolean expired() {
        return deadlineNanos - System.nanoTime() <= 0;
    }

    ConnectionState owner() {
        return connection;
    }

    @Override
    public long grantId() {
        return grantId;
    }

    @Override
    public long address() {
        return address;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public int rkey() {
        return rkey;
    }

    @Override
    public Access access() {
        return access;
    }

    @Override
    public Connection connection() {
        return connection.handle(); // null only once the user dropped it (it then closes as leaked)
    }

    @Override
    public Duration remainingLease() {
        long left = deadlineNanos - System.nanoTime();
        return invalidated || left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    @Override
    public boolean isValid() {
        return !invalidated && !expired();
    }

    @Override
    public RemoteSlice slice() {
        return whole;
    }

    @Override
    public RemoteSlice slice(long offset, long length) {
        return new RemoteSlice(this, offset, length);
    }

    @Override
    public String toString() {
        return "RemoteMr[grant " + grantId + ", " + length + " bytes at 0x" + Long.toHexString(address) + ", rkey 0x"
                + Integer.toHexString(rkey) + ", " + access + (isValid() ? "" : ", invalid") + "]";
    }
}
