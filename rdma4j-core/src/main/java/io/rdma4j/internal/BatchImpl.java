package io.rdma4j.internal;

import io.rdma4j.Batch;
import io.rdma4j.LocalSlice;
import io.rdma4j.RdmaException;
import io.rdma4j.RemoteSlice;
import io.rdma4j.spi.WorkOpcode;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** Collects work requests; the connection checks and lends all of them before posting any. */
final class BatchImpl implements Batch {
    record Entry(WorkOpcode op, LocalSlice local, RemoteSlice remote, long compareOrAdd, long swap, int immediate) {}

    /** Completion state shared by the entries of one submitted batch: the first error wins. */
    static final class State {
        final int size;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        private final AtomicInteger remaining;
        private volatile RdmaException firstError;

        State(int size) {
            this.size = size;
            this.remaining = new AtomicInteger(size);
        }

        /** One entry finished; the last one completes the batch. Returns the future to complete, or null. */
        void entryDone(RdmaException error, ContextState context) {
            if (error != null && firstError == null) {
                synchronized (this) {
                    if (firstError == null) {
                        firstError = error;
                    }
                }
            }
            if (remaining.decrementAndGet() == 0) {
                RdmaException e = firstError;
                if (e == null) {
                    context.completeValue(future, null);
                } else {
                    context.completeError(future, e);
                }
            }
        }
    }

    private final ConnectionImpl connection;
    private Entry[] entries = new Entry[8];
    private int count;
    private boolean submitted;

    BatchImpl(ConnectionImpl connection) {
        this.connection = connection;
    }

    private Batch add(Entry e) {
        if (submitted) {
            throw new IllegalStateException("this batch was submitted already; make a new one");
        }
        if (count == entries.length) {
            entries = Arrays.copyOf(entries, count * 2);
        }
        entries[count++] = e;
        return this;
    }

    @Override
    public Batch write(LocalSlice src, RemoteSlice dst) {
        return add(new Entry(WorkOpcode.WRITE, Objects.requireNonNull(src), Objects.requireNonNull(dst), 0, 0, 0));
    }

    @Override
    public Batch writeWithImm(LocalSlice src, RemoteSlice dst, int immediate) {
        return add(new Entry(WorkOpcode.WRITE_WITH_IMM, Objects.requireNonNull(src), Objects.requireNonNull(dst), 0, 0, immediate));
    }

    @Override
    public Batch read(LocalSlice dst, RemoteSlice src) {
        return add(new Entry(WorkOpcode.READ, Objects.requireNonNull(dst), Objects.requireNonNull(src), 0, 0, 0));
    }

    @Override
    public Batch send(LocalSlice src) {
        return add(new Entry(WorkOpcode.SEND, Objects.requireNonNull(src), null, 0, 0, 0));
    }

    @Override
    public Batch sendWithImm(LocalSlice src, int immediate) {
        return add(new Entry(WorkOpcode.SEND_WITH_IMM, Objects.requireNonNull(src), null, 0, 0, immediate));
    }

    @Override
    public Batch fetchAndAdd(LocalSlice result, RemoteSlice target, long add) {
        return add(new Entry(WorkOpcode.FETCH_AND_ADD, Objects.requireNonNull(result), Objects.requireNonNull(target), add, 0, 0));
    }

    @Override
    public Batch compareAndSwap(LocalSlice result, RemoteSlice target, long expect, long swap) {
        return add(new Entry(WorkOpcode.COMPARE_AND_SWAP, Objects.requireNonNull(result), Objects.requireNonNull(target), expect, swap, 0));
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public CompletableFuture<Void> submitAsync() {
        return submit(null);
    }

    @Override
    public void submit() {
        if (count == 0 && !submitted) {
            submitAsync(); // nothing to post or wait for
            return;
        }
        Poller p = connection.state.callerPoller("batch submit");
        Blocking.await(submit(p), connection.state.timeout(), p, "batch");
    }

    /** Posts the batch; {@code caller} is counted in once it is posted (see Poller#enterCaller). */
    private CompletableFuture<Void> submit(Poller caller) {
        if (submitted) {
            throw new IllegalStateException("this batch was submitted already; make a new one");
        }
        if (count == 0) {
            submitted = true;
            return CompletableFuture.completedFuture(null);
        }
        State state = new State(count);
        connection.state.submitBatch(entries, count, state, caller);
        submitted = true;
        return state.future;
    }
}
