package io.rdma4j.internal;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable completion target that {@link Blocking#await} can wait on in place of a
 * CompletableFuture, so a blocking call allocates nothing: the waiting thread publishes itself
 * and parks until {@link #isDone}; whoever makes it done calls {@link #wakeWaiter}.
 */
abstract class Awaitable implements Future<Void> {
    /** The thread in {@link #get(long, TimeUnit)}, to unpark when this is done. */
    private volatile Thread waiter;

    /** Whether what is awaited has finished; must be a volatile read. */
    @Override
    public abstract boolean isDone();

    /**
     * What {@code get} reports once done: null, or the failure as an ExecutionException.
     *
     * @return null
     * @throws ExecutionException the failure
     */
    Void outcome() throws ExecutionException {
        return null;
    }

    /** After {@link #isDone} became true: wakes a thread waiting in {@code get}. */
    final void wakeWaiter() {
        Thread w = waiter; // read after done was written: pairs with get's write-then-check
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    @Override
    public final boolean cancel(boolean mayInterruptIfRunning) {
        return false;
    }

    @Override
    public final boolean isCancelled() {
        return false;
    }

    @Override
    public final Void get() throws InterruptedException, ExecutionException {
        while (true) {
            try {
                return get(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // about 292 years: wait again
            }
        }
    }

    @Override
    public final Void get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (isDone()) {
            return outcome();
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        waiter = Thread.currentThread();
        try {
            while (!isDone()) { // checked after the waiter is published
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException();
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            waiter = null;
        }
        return outcome();
    }
}
