package io.rdma4j.internal;

import io.rdma4j.Batch;
import io.rdma4j.LocalSlice;
import io.rdma4j.OperationHandler;
import io.rdma4j.RemoteSlice;
import io.rdma4j.spi.WorkOpcode;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Collects work requests in parallel arrays (nothing allocated per request once they are big
 * enough); the connection checks and lends all of them before posting any. Reusable: one
 * {@link BatchSubmission} per batch tracks the submission in flight.
 */
final class BatchImpl implements Batch {

    private final ConnectionImpl connection;
    private final BatchSubmission submission;
    private WorkOpcode[] ops = new WorkOpcode[8];
    private LocalSlice[] locals = new LocalSlice[8];
    private RemoteSlice[] remotes = new RemoteSlice[8];
    private long[] compareOrAdds = new long[8];
    private long[] swaps = new long[8];
    private int[] immediates = new int[8];
    /** Scratch for the connection's checks: each entry's region state, so a submit allocates nothing. */
    private MrState[] regions = new MrState[8];
    private int count;

    BatchImpl(ConnectionImpl connection) {
        this.connection = connection;
        this.submission = new BatchSubmission(connection.state.context());
    }

    private Batch add(WorkOpcode op, LocalSlice local, RemoteSlice remote, long compareOrAdd, long swap, int immediate) {
        checkNotInFlight("changed");
        if (count == ops.length) {
            int n = count * 2;
            ops = Arrays.copyOf(ops, n);
            locals = Arrays.copyOf(locals, n);
            remotes = Arrays.copyOf(remotes, n);
            compareOrAdds = Arrays.copyOf(compareOrAdds, n);
            swaps = Arrays.copyOf(swaps, n);
            immediates = Arrays.copyOf(immediates, n);
            regions = Arrays.copyOf(regions, n);
        }
        ops[count] = op;
        locals[count] = local;
        remotes[count] = remote;
        compareOrAdds[count] = compareOrAdd;
        swaps[count] = swap;
        immediates[count] = immediate;
        count++;
        return this;
    }

    private void checkNotInFlight(String what) {
        if (submission.inFlight()) {
            throw BatchSubmission.inFlightError(what);
        }
    }

    // the connection's view of the requests
    WorkOpcode op(int i) {
        return ops[i];
    }

    LocalSlice local(int i) {
        return locals[i];
    }

    RemoteSlice remote(int i) {
        return remotes[i];
    }

    long compareOrAdd(int i) {
        return compareOrAdds[i];
    }

    long swap(int i) {
        return swaps[i];
    }

    int immediate(int i) {
        return immediates[i];
    }

    MrState[] regions() {
        return regions;
    }

    BatchSubmission submission() {
        return submission;
    }

    @Override
    public Batch write(LocalSlice src, RemoteSlice dst) {
        return add(WorkOpcode.WRITE, Objects.requireNonNull(src), Objects.requireNonNull(dst), 0, 0, 0);
    }

    @Override
    public Batch writeWithImm(LocalSlice src, RemoteSlice dst, int immediate) {
        return add(WorkOpcode.WRITE_WITH_IMM, Objects.requireNonNull(src), Objects.requireNonNull(dst), 0, 0, immediate);
    }

    @Override
    public Batch read(LocalSlice dst, RemoteSlice src) {
        return add(WorkOpcode.READ, Objects.requireNonNull(dst), Objects.requireNonNull(src), 0, 0, 0);
    }

    @Override
    public Batch send(LocalSlice src) {
        return add(WorkOpcode.SEND, Objects.requireNonNull(src), null, 0, 0, 0);
    }

    @Override
    public Batch sendWithImm(LocalSlice src, int immediate) {
        return add(WorkOpcode.SEND_WITH_IMM, Objects.requireNonNull(src), null, 0, 0, immediate);
    }

    @Override
    public Batch fetchAndAdd(LocalSlice result, RemoteSlice target, long add) {
        return add(WorkOpcode.FETCH_AND_ADD, Objects.requireNonNull(result), Objects.requireNonNull(target), add, 0, 0);
    }

    @Override
    public Batch compareAndSwap(LocalSlice result, RemoteSlice target, long expect, long swap) {
        return add(WorkOpcode.COMPARE_AND_SWAP, Objects.requireNonNull(result), Objects.requireNonNull(target), expect, swap, 0);
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Batch clear() {
        checkNotInFlight("cleared");
        Arrays.fill(locals, 0, count, null);
        Arrays.fill(remotes, 0, count, null);
        Arrays.fill(regions, 0, count, null);
        count = 0;
        return this;
    }

    @Override
    public boolean inFlight() {
        return submission.inFlight();
    }

    @Override
    public void await() {
        if (submission.isDone()) {
            return;
        }
        Poller p = connection.state.enterCaller("batch await");
        Blocking.await(submission, connection.state.timeout(), p, "the batch");
    }

    @Override
    public CompletableFuture<Void> submitAsync() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        submit(f, null, null, null);
        return f;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A> void submitAsync(A attachment, OperationHandler<? super A> handler) {
        submit(null, (OperationHandler<Object>) Objects.requireNonNull(handler, "handler"), attachment, null);
    }

    @Override
    public void submit() {
        Poller p = connection.state.enterCaller("batch submit");
        CompletableFuture<Void> f = new CompletableFuture<>();
        try {
            submit(f, null, null, p);
        } catch (Throwable t) {
            Blocking.leaveRefused(p);
            throw t;
        }
        Blocking.await(f, connection.state.timeout(), p, "batch");
    }

    /** Posts the batch; {@code caller}, when not null, was counted in before (see Poller#enterCaller). */
    private void submit(CompletableFuture<Void> f, OperationHandler<Object> h, Object attachment, Poller caller) {
        if (count == 0) { // nothing to post or wait for
            checkNotInFlight("submitted again");
            submission.context().deliver(f, h, attachment, 0, null, null);
            return;
        }
        int before = submission.begin(count, f, h, attachment);
        try {
            connection.state.submitBatch(this, count, caller);
        } catch (RuntimeException e) {
            submission.abandon(before); // refused before anything was posted
            throw e;
        }
    }
}
