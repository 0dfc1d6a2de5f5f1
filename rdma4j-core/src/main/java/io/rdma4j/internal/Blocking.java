package io.rdma4j.internal;

import io.rdma4j.OperationTimeoutException;
import io.rdma4j.PollMode;
import io.rdma4j.RdmaException;
import io.rdma4j.RdmaOptions;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Turns the async calls into blocking ones, for virtual threads and scripts. */
final class Blocking {
    private Blocking() {}

    /** Refuses a blocking call where it would wait for itself: on a completion poller. */
    static void checkMayBlock(String what) {
        if (Thread.currentThread() instanceof Poller) {
            throw new IllegalStateException(what + " would block a completion poller (it was called from a callback);"
                    + " use the ...Async variant there");
        }
    }

    /**
     * Waits for a future within the context's operation timeout and throws its failure as the
     * rdma4j exception it is. Under {@link PollMode#BUSY} a platform thread spin-waits first, as
     * the poller does: a park and unpark pair costs more than a whole round trip on a fast NIC.
     *
     * @param f the future
     * @param options the context's options: operation timeout and poll mode
     * @param what the call, for the timeout message
     * @param <T> the result type
     * @return the result
     */
    static <T> T await(CompletableFuture<T> f, RdmaOptions options, String what) {
        Duration timeout = options.operationTimeout();
        try {
            if (options.pollMode() == PollMode.BUSY && !Thread.currentThread().isVirtual()) {
                spinUntilDone(f, System.nanoTime() + timeout.toNanos());
            }
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | CompletionException e) {
            throw unwrap(e.getCause());
        } catch (TimeoutException e) {
            throw new OperationTimeoutException(what + " did not finish within " + timeout
                    + "; it may still complete (its memory stays lent until then)");
        } catch (CancellationException e) {
            throw new RdmaException(what + " was cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RdmaException("interrupted while waiting for " + what, e);
        }
    }

    /**
     * Spins, then yields (the threads that complete {@code f} may need this core), until
     * {@code f} is done, the deadline passes or the thread is interrupted; the caller's
     * {@code get} then reports which.
     */
    private static void spinUntilDone(CompletableFuture<?> f, long deadline) {
        int spins = 0;
        while (!f.isDone()) {
            if (spins < 1_000) {
                spins++;
                Thread.onSpinWait();
            } else {
                Thread.yield();
                if (Thread.currentThread().isInterrupted() || System.nanoTime() - deadline > 0) {
                    return;
                }
            }
        }
    }

    static RuntimeException unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new RdmaException(String.valueOf(t.getMessage()), t);
    }
}
