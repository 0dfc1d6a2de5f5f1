package io.rdma4j.verbs;

import io.rdma4j.RdmaException;
import io.rdma4j.ffi.IbvMr;
import io.rdma4j.ffi.NativeCallException;
import io.rdma4j.spi.MemoryRegistration;
import java.lang.foreign.MemorySegment;

/** An {@code ibv_mr}: closing deregisters, after which the hardware rejects the rkey. */
final class VerbsRegistration implements MemoryRegistration {
    private final IbvMr mr;
    private final MemorySegment segment;
    private final int access;

    VerbsRegistration(IbvMr mr, MemorySegment segment, int access) {
        this.mr = mr;
        this.segment = segment;
        this.access = access;
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public int lkey() {
        return mr.lkey();
    }

    @Override
    public int rkey() {
        return mr.rkey();
    }

    @Override
    public int access() {
        return access;
    }

    @Override
    public void close() {
        try {
            mr.close();
        } catch (NativeCallException e) {
            throw new RdmaException("deregistering memory failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "VerbsRegistration[0x" + Long.toHexString(segment.address()) + "+" + segment.byteSize() + " lkey="
                + Integer.toHexString(lkey()) + " rkey=" + Integer.toHexString(rkey()) + "]";
    }
}
