package io.rdma4j.internal;

import io.rdma4j.Batch;
import io.rdma4j.OperationHandler;
import io.rdma4j.RdmaException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A batch's submission in flight, reused by every submission of its batch: it is the handler of
 * each posted entry, and the last entry to finish reports to the caller's future or handler.
 *
 * <p>Phases: {@link #IDLE}, {@link #IN_FLIGHT} (entries posted; the batch cannot change),
 * {@link #REPORTING} (all finished, the future or handler being told; the batch may be
 * changed and resubmitted, by the handler too), then idle again unless it was resubmitted.
 * {@link Batch#await} waits for idle, so when it returns the handler has run.
 */
final class BatchSubmission extends Awaitable implements OperationHandler<Object> {
    static final int IDLE = 0;
    static final int IN_FLIGHT = 1;
    static final int REPORTING = 2;

    private final AtomicInteger remaining = new AtomicInteger();
    private final AtomicInteger phase = new AtomicInteger(IDLE);
    private final ContextState context;
    private RdmaException firstError; // guarded by this
    private CompletableFuture<Void> future;
    private OperationHandler<Object> handler;
    private Object attachment;

    BatchSubmission(ContextState context) {
        this.context = context;
    }

    /**
     * Before posting {@code size} entries, which report to {@code future} or {@code handler}.
     *
     * @return the phase before, for {@link #abandon}
     * @throws IllegalStateException when a submission is in flight
     */
    int begin(int size, CompletableFuture<Void> future, OperationHandler<Object> handler, Object attachment) {
        int before;
        do { // idle, or reporting (the reporter may turn it idle meanwhile)
            before = phase.get();
            if (before == IN_FLIGHT) {
                throw inFlightError("submitted again");
            }
        } while (!phase.compareAndSet(before, IN_FLIGHT));
        this.future = future;
        this.handler = handler;
        this.attachment = attachment;
        firstError = null;
        remaining.set(size);
        return before;
    }

    /** Posting was refused before any entry was posted: nothing will report. */
    void abandon(int before) {
        future = null;
        handler = null;
        attachment = null;
        phase.set(before);
        wakeWaiter();
    }

    ContextState context() {
        return context;
    }

    boolean inFlight() {
        return phase.get() == IN_FLIGHT;
    }

    static IllegalStateException inFlightError(String what) {
        return new IllegalStateException("this batch is in flight and cannot be " + what
                + " until its submission has finished");
    }

    @Override
    public void completed(long value, Object ignored) {
        entryDone(null);
    }

    @Override
    public void failed(RdmaException error, Object ignored) {
        entryDone(error);
    }

    /** One entry finished; the last one reports the batch, which may be resubmitted from then on. */
    private void entryDone(RdmaException error) {
        if (error != null) {
            synchronized (this) {
                if (firstError == null) {
                    firstError = error;
                }
            }
        }
        if (remaining.decrementAndGet() != 0) {
            return;
        }
        RdmaException e;
        synchronized (this) {
            e = firstError;
            firstError = null;
        }
        CompletableFuture<Void> f = future;
        OperationHandler<Object> h = handler;
        Object a = attachment;
        future = null;
        handler = null;
        attachment = null;
        phase.set(REPORTING); // from here the callback below may resubmit this batch
        try {
            context.deliver(f, h, a, 0, null, e);
        } finally {
            if (phase.compareAndSet(REPORTING, IDLE)) { // else it was resubmitted
                wakeWaiter();
            }
        }
    }

    // As an Awaitable for Blocking.await: done when no submission is in flight; the outcome
    // goes to the submission's future or handler, so get returns null.

    @Override
    public boolean isDone() {
        return phase.get() == IDLE;
    }
}
