package io.rdma4j.internal;

import io.rdma4j.OperationHandler;
import io.rdma4j.spi.WorkOpcode;
import io.rdma4j.spi.WorkRequest;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * One outstanding work request of a connection: its reusable descriptor, its lend, and what to
 * complete when it finishes. A connection owns exactly as many slots as its queues are deep;
 * the slot number and a generation travel in the {@code wr_id}, so a completion finds its slot
 * without a map and a stale completion is recognised (Netty's UserData idea).
 */
final class OpSlot {
    static final int GENERATION_BITS = 24;
    static final int GENERATION_MASK = (1 << GENERATION_BITS) - 1;

    final int index;
    final WorkRequest request = new WorkRequest();
    final Lend lend = new Lend();
    /** The lend in force: {@link #lend}, or one taken while the operation waited for a slot. */
    Lend activeLend;
    int generation;
    boolean busy;
    WorkOpcode opcode;
    /** Completed with null, a Long (atomics) or a Received; null when a handler reports instead. */
    CompletableFuture<Object> future;
    /** The user's handler, or a batch's state; null when a future reports instead. */
    OperationHandler<Object> handler;
    Object attachment;
    /** Where an atomic's old value lands, read back for the future when {@link #returnsAtomic}. */
    MemorySegment atomicResult;
    boolean returnsAtomic;
    long bytes;
    /**
     * On a signaled request posted last of several: how many unsignaled requests were posted
     * just before it, and where their ids start in the connection's ring of them. Its completion
     * completes them (RC completes in post order). 0 otherwise.
     */
    int groupSize;
    int groupStart;
    /** Set at post only while the JFR operation event is enabled. */
    OperationEvent event;

    // The last local slice made for this slot's descriptor, reused while the caller keeps
    // posting the same range (the steady state): the post then allocates no segment view.
    private MemorySegment sliceBase;
    private long sliceOffset = -1;
    private long sliceLength;
    private MemorySegment slice;

    OpSlot(int index) {
        this.index = index;
    }

    /**
     * {@code base.asSlice(offset, length)}, the same instance as last time when the range is
     * the same. Segments are immutable views, so sharing one between posts is safe.
     */
    MemorySegment slice(MemorySegment base, long offset, long length) {
        if (base != sliceBase || offset != sliceOffset || length != sliceLength) {
            slice = base.asSlice(offset, length);
            sliceBase = base;
            sliceOffset = offset;
            sliceLength = length;
        }
        return slice;
    }

    long wrId(int connectionId) {
        return ((long) connectionId << 40) | ((long) index << GENERATION_BITS) | (generation & GENERATION_MASK);
    }

    static int connectionId(long wrId) {
        return (int) (wrId >>> 40);
    }

    static int slotIndex(long wrId) {
        return (int) ((wrId >>> GENERATION_BITS) & 0xFFFF);
    }

    static int generation(long wrId) {
        return (int) (wrId & GENERATION_MASK);
    }

    void reset() {
        busy = false;
        generation = (generation + 1) & GENERATION_MASK;
        future = null;
        activeLend = null;
        handler = null;
        attachment = null;
        atomicResult = null;
        returnsAtomic = false;
        opcode = null;
        bytes = 0;
        groupSize = 0;
        event = null;
    }
}
