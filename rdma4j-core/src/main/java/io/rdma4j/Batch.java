package io.rdma4j;

import java.util.concurrent.CompletableFuture;

/**
 * Work requests collected and posted together (one doorbell where the provider has one).
 * Nothing is checked until {@link #submit}; then every request is checked before any is posted,
 * and a refused request posts nothing. Atomics write their old value into a local 8-byte slice.
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
     * Posts.
     *
     * @return completes when every request has; exceptionally with the first failure
     */
    CompletableFuture<Void> submitAsync();
}
