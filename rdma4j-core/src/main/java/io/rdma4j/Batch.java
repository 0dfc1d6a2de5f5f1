package io.rdma4j;

import java.util.concurrent.CompletableFuture;

/**
 * Work requests collected and posted together (one doorbell where the provider has one).
 * Nothing is checked until {@link #submit}; then every request is checked before any is posted,
 * and a refused request posts nothing. Atomics write their old value into a local 8-byte slice.
 *
 * <p>A batch is reusable: once a submission has finished (its blocking call returned, its
 * future completed or its handler was called), submitting again posts the same requests again,
 * checked again, and {@link #clear} empties it for new ones. A batch kept and resubmitted with
 * {@link #submitAsync(Object, OperationHandler)} allocates nothing. While a submission is in
 * flight the batch cannot be changed or submitted ({@link IllegalStateException}). One thread
 * at a time builds and submits a batch; the handler may resubmit it.
 */
public interface Batch {

    /** @param src local source @param dst remote target @return this */
    Batch write(LocalSlice src, RemoteSlice dst);

    /** @param src local source @param dst remote target @param immediate delivered with the peer's receive @return this */
    Batch writeWithImm(LocalSlice src, RemoteSlice dst, int immediate);

    /** @param dst local target @param src remote source @return this */
    Batch read(LocalSlice dst, RemoteSlice src);

    /** @param src local source @return this */
    Batch send(LocalSlice src);

    /** @param src local source @param immediate delivered with the peer's receive @return this */
    Batch sendWithImm(LocalSlice src, int immediate);

    /**
     * @param result local 8 bytes for the old value
     * @param target remote 8 aligned bytes
     * @param add the addend
     * @return this
     */
    Batch fetchAndAdd(LocalSlice result, RemoteSlice target, long add);

    /**
     * @param result local 8 bytes for the old value
     * @param target remote 8 aligned bytes
     * @param expect the value to compare with
     * @param swap the value to store when equal
     * @return this
     */
    Batch compareAndSwap(LocalSlice result, RemoteSlice target, long expect, long swap);

    /** How many requests are collected. */
    int size();

    /** Posts and waits for all; throws the first failure after all have finished. */
    void submit();

    /**
     * Posts, and calls the handler once every request has finished: {@code completed(0, a)},
     * or {@code failed} with the first failure. Allocates nothing.
     *
     * @param attachment passed to the handler
     * @param handler called once, on the thread that polls the last completion
     * @param <A> the attachment's type
     */
    <A> void submitAsync(A attachment, OperationHandler<? super A> handler);

    /**
     * Drops every request, for new ones.
     *
     * @return this
     * @throws IllegalStateException while a submission is in flight
     */
    Batch clear();

    /** Whether a submission of this batch has not finished yet. */
    boolean inFlight();

    /**
     * Waits until the submission in flight has finished and its handler has returned (or its
     * future completed), as the blocking calls wait (on platform threads, polling the
     * completion queue where they do), within the context's operation timeout; returns at once
     * when none is in flight. A submission the handler makes is waited for too. The outcome
     * goes to the future or handler, not here. Allocates nothing: with {@link #submitAsync(Object, OperationHandler)}
     * it keeps batches in flight from one thread, as {@link Connection#await} does with futures.
     *
     * @throws OperationTimeoutException when it has not finished within the timeout
     * @throws IllegalStateException when called from a completion callback
     */
    void await();

    /**
     * Posts.
     *
     * @return completes when every request has; exceptionally with the first failure
     */
    CompletableFuture<Void> submitAsync();
}
