package io.rdma4j.cli.perf;

import io.rdma4j.Batch;
import io.rdma4j.OperationHandler;
import io.rdma4j.RdmaException;

/**
 * The batches a bandwidth test keeps in flight, and the handler they all report to: it stamps
 * the completion time of each measured operation of a finished batch. Built once per message
 * size, so the measured loop allocates nothing.
 */
final class BandwidthRing implements OperationHandler<BandwidthRing.Span> {
    /** Which operations a batch's current submission carries: {@code [first, first + count)}. */
    static final class Span {
        int first;
        int count;
    }

    final Batch[] batches;
    final Span[] spans;
    /** Post and completion times of the measured operations (warm-up ones are not kept). */
    final long[] posted;
    final long[] completed;
    private final int warm;
    private volatile RdmaException failure;

    BandwidthRing(int batches, int warm, int measured) {
        this.batches = new Batch[batches];
        this.spans = new Span[batches];
        for (int i = 0; i < batches; i++) {
            spans[i] = new Span();
        }
        this.posted = new long[measured];
        this.completed = new long[measured];
        this.warm = warm;
    }

    @Override
    public void completed(long value, Span span) {
        long now = System.nanoTime();
        for (int j = Math.max(span.first, warm); j < span.first + span.count; j++) {
            completed[j - warm] = now;
        }
    }

    @Override
    public void failed(RdmaException error, Span span) {
        if (failure == null) {
            failure = error;
        }
    }

    /** Throws the first failure a batch reported, if any. */
    void check() {
        RdmaException e = failure;
        if (e != null) {
            throw e;
        }
    }
}
