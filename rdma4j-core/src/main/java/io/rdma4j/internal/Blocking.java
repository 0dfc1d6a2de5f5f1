package io.rdma4j.internal;

import io.rdma4j.OperationTimeoutException;
import io.rdma4j.RdmaException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Turns the async calls into blocking ones, for virtual threads and scripts. */
final class Blocking {
    private Blocking() {}

    /** Refuses a blocking call where it would wait for itself: on a completion poller. */
    static void checkMayBlock(String what) {
        if (Poller.isDelivering()) {
            throw new IllegalStateException(what + " would block a completion poller (it was called from a callback);"
                    + " use the ...Async variant there");
        }
    }

    /**
     * Waits for a future within the context's operation timeout and throws its failure as the
     * rdma4j exception it is. With a poller, the caller was counted in ({@link Poller#enterCaller})
     * and polls its queue first (a park and unpark pair costs more than a whole round trip on a
     * NIC); the poller counts it out.
     *
     * @param f the future (a CompletableFuture, or a reusable {@link Awaitable})
     * @param timeout the context's operation timeout
     * @param poller the queue this thread polls, or null to wait to be woken
     * @param what the call, for the timeout message
     * @param <T> the result type
     * @return the result
     */
    static <T> T await(Future<T> f, Duration timeout, Poller poller, String what) {
        try {
            long wait = timeout.toNanos();
            if (poller != null) {
                wait = poller.pollUntilDone(f, wait); // what the polling left of the timeout
            }
            return f.get(wait, TimeUnit.NANOSECONDS);
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
     * Counts out a caller counted in by {@link ConnectionState#enterCaller} whose call was
     * refused before it reached {@link #await}, which would have counted it out.
     *
     * @param poller the poller it was counted into, or null when it was not
     */
    static void leaveRefused(Poller poller) {
        if (poller != null) {
            poller.leaveCaller();
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
