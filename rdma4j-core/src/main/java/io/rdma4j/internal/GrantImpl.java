package io.rdma4j.internal;

import io.rdma4j.Access;
import io.rdma4j.Grant;
import io.rdma4j.LocalSlice;
import java.time.Duration;

/** The grant handle users hold: the granted slice (which keeps its region's handle) and the {@link GrantState}. */
final class GrantImpl implements Grant {
    private final GrantState state;
    private final LocalSlice region;

    GrantImpl(GrantState state, LocalSlice region) {
        this.state = state;
        this.region = region;
    }

    @Override
    public long grantId() {
        return state.grantId;
    }

    @Override
    public LocalSlice region() {
        return region;
    }

    @Override
    public Access access() {
        return state.access;
    }

    @Override
    public Duration remainingLease() {
        return state.remainingLease();
    }

    @Override
    public boolean isActive() {
        return state.isActive();
    }

    @Override
    public void revoke() {
        state.revoke(true);
    }

    @Override
    public String toString() {
        return "Grant[" + state.grantId + " " + state.access + " " + region.length() + " bytes"
                + (state.isRevoked() ? ", revoked" : "") + "]";
    }
}
