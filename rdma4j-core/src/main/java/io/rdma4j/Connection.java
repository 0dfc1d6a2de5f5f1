package io.rdma4j;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A reliable connection to one peer. Operations run in the order they are called, with RC
 * semantics on every provider: a WRITE completes when its data is placed at the target, a SEND
 * after a WRITE finds the WRITE's data placed, and a failed operation fails everything behind it.
 *
 * <p>Every operation comes blocking (for virtual threads and scripts) and {@code ...Async}
 * (a {@link CompletableFuture}, never completed while rdma4j holds a lock); the send-side ones
 * also with a reusable {@link OperationHandler}, which allocates nothing per operation, and so do
 * their blocking forms on a platform or virtual thread that makes them again and again. Futures complete,
 * and their callbacks run, on the thread that polls the completion: a poller of the context, or
 * a platform thread waiting in a blocking call of the context (see {@link #await}). Callbacks
 * must not block on an operation: such calls fail with {@link IllegalStateException}.
 * Local and remote slices are checked before anything is posted. When more operations are
 * outstanding than the send queue holds, later ones wait in order rather than fail.
 *
 * <p>Closing moves the connection to the error state, waits a bounded time for flushes,
 * completes every pending future (exceptionally where it did not finish), revokes this side's
 * grants, then frees the endpoint.
 */
public interface Connection extends AutoCloseable {

    /** This side's address. */
    InetSocketAddress localAddress();

    /** The peer's address. */
    InetSocketAddress remoteAddress();

    /** Whether operations can still be posted. */
    boolean isOpen();

    /** Counters of this connection. */
    ConnectionStats stats();

    // ---- one-sided ----

    /** @param src local source, lent shared @param dst remote target (needs write access) */
    void write(LocalSlice src, RemoteSlice dst);

    /** @param src local source @param dst remote target @return completes when the data is placed */
    CompletableFuture<Void> writeAsync(LocalSlice src, RemoteSlice dst);

    /** @param src local source @param dst remote target @param immediate delivered with the peer's receive */
    void writeWithImm(LocalSlice src, RemoteSlice dst, int immediate);

    /** @param src local source @param dst remote target @param immediate delivered with the peer's receive @return completion */
    CompletableFuture<Void> writeWithImmAsync(LocalSlice src, RemoteSlice dst, int immediate);

    /** @param dst local target, lent exclusively @param src remote source (needs read access) */
    void read(LocalSlice dst, RemoteSlice src);

    /** @param dst local target @param src remote source @return completes when the data is here */
    CompletableFuture<Void> readAsync(LocalSlice dst, RemoteSlice src);

    /**
     * Atomically adds to 8 aligned remote bytes.
     *
     * @param target remote 8 bytes at an 8-byte aligned address (needs atomic access)
     * @param add the addend
     * @return the value before the addition
     */
    long fetchAndAdd(RemoteSlice target, long add);

    /** @param target remote 8 aligned bytes @param add the addend @return the previous value */
    CompletableFuture<Long> fetchAndAddAsync(RemoteSlice target, long add);

    /**
     * Atomically replaces 8 aligned remote bytes when they equal {@code expect}.
     *
     * @param target remote 8 bytes at an 8-byte aligned address (needs atomic access)
     * @param expect the value to compare with
     * @param swap the value to store when equal
     * @return the value before; the swap happened when it equals {@code expect}
     */
    long compareAndSwap(RemoteSlice target, long expect, long swap);

    /** @param target remote 8 aligned bytes @param expect compare @param swap store @return the previous value */
    CompletableFuture<Long> compareAndSwapAsync(RemoteSlice target, long expect, long swap);

    // ---- the same, with a reusable handler instead of a future: nothing allocated per operation ----

    /**
     * {@link #writeAsync(LocalSlice, RemoteSlice)} reporting to a handler: allocates nothing.
     *
     * @param src local source, lent shared
     * @param dst remote target
     * @param attachment passed to the handler
     * @param handler called once, when the data is placed or the write failed
     * @param <A> the attachment's type
     */
    <A> void writeAsync(LocalSlice src, RemoteSlice dst, A attachment, OperationHandler<? super A> handler);

    /** @param src local source @param dst remote target @param immediate for the peer's receive @param attachment for the handler @param handler called once @param <A> the attachment's type */
    <A> void writeWithImmAsync(LocalSlice src, RemoteSlice dst, int immediate, A attachment,
                               OperationHandler<? super A> handler);

    /** @param dst local target, lent exclusively @param src remote source @param attachment for the handler @param handler called once @param <A> the attachment's type */
    <A> void readAsync(LocalSlice dst, RemoteSlice src, A attachment, OperationHandler<? super A> handler);

    /** @param target remote 8 aligned bytes @param add the addend @param attachment for the handler @param handler gets the previous value @param <A> the attachment's type */
    <A> void fetchAndAddAsync(RemoteSlice target, long add, A attachment, OperationHandler<? super A> handler);

    /** @param target remote 8 aligned bytes @param expect compare @param swap store @param attachment for the handler @param handler gets the previous value @param <A> the attachment's type */
    <A> void compareAndSwapAsync(RemoteSlice target, long expect, long swap, A attachment,
                                 OperationHandler<? super A> handler);

    /** @param src local source, lent shared @param attachment for the handler @param handler called once the peer placed it @param <A> the attachment's type */
    <A> void sendAsync(LocalSlice src, A attachment, OperationHandler<? super A> handler);

    /** @param src local source @param immediate for the peer's receive @param attachment for the handler @param handler called once @param <A> the attachment's type */
    <A> void sendWithImmAsync(LocalSlice src, int immediate, A attachment, OperationHandler<? super A> handler);

    // ---- two-sided ----

    /** @param src local source, lent shared; consumes one receive at the peer */
    void send(LocalSlice src);

    /** @param src local source @return completes when the peer has placed the message */
    CompletableFuture<Void> sendAsync(LocalSlice src);

    /** @param src local source @param immediate delivered with the peer's receive */
    void sendWithImm(LocalSlice src, int immediate);

    /** @param src local source @param immediate delivered with the peer's receive @return completion */
    CompletableFuture<Void> sendWithImmAsync(LocalSlice src, int immediate);

    /**
     * Posts a receive into {@code dst} and waits for a SEND or WRITE with immediate to consume it.
     *
     * @param dst local target, lent exclusively until the message arrives
     * @return what arrived
     */
    Received receive(LocalSlice dst);

    /** @param dst local target @return completes when a message consumed the receive */
    CompletableFuture<Received> receiveAsync(LocalSlice dst);

    /** A new batch of work requests to post together; reusable (see {@link Batch}). */
    Batch batch();

    /**
     * Waits for an operation of this connection as its blocking form would: within the
     * context's operation timeout, its failure thrown as the rdma4j exception it is. Use it to
     * keep several operations in flight from one thread and wait for them in turn: where the
     * blocking calls poll the completion queue on the waiting thread (platform threads; always
     * in {@link PollMode#BUSY}, in {@link PollMode#ADAPTIVE} on providers whose completions
     * need no thread of theirs, such as verbs), so does this, with no thread hand-off.
     * Callbacks of completions it polls run on this thread.
     *
     * @param f a future returned by this connection
     * @param <T> its result type
     * @return its result
     * @throws IllegalStateException when called from a completion callback
     */
    <T> T await(CompletableFuture<T> f);

    // ---- remote memory ----

    /**
     * Grants the peer access to a range of local memory, with its own registration and rkey.
     *
     * @param region the memory
     * @param access what the peer may do
     * @param lease how long; the grant is revoked at its end
     * @return the grant; revoke it, or let the lease end
     */
    Grant grant(LocalSlice region, Access access, Duration lease);

    /** @param region the whole region @param access what the peer may do @param lease how long @return the grant */
    default Grant grant(LocalMr region, Access access, Duration lease) {
        return grant(region.slice(), access, lease);
    }

    /** Waits for the next grant the peer makes on its own (not one this side requested). */
    RemoteMr acceptGrant();

    /** @return completes with the next grant the peer makes on its own */
    CompletableFuture<RemoteMr> acceptGrantAsync();

    /**
     * Asks the peer to allocate zeroed memory and grant it; its policy may refuse.
     *
     * @param size bytes
     * @param access what this side wants to do
     * @param lease how long
     * @return the grant
     * @throws GrantRefusedException when the peer's policy says no
     */
    RemoteMr requestRemote(long size, Access access, Duration lease);

    /** @param size bytes @param access wanted @param lease how long @return completes with the grant */
    CompletableFuture<RemoteMr> requestRemoteAsync(long size, Access access, Duration lease);

    /**
     * Gives a grant back: the peer revokes it. Idempotent.
     *
     * @param remote a grant from this connection
     */
    void release(RemoteMr remote);

    /** Closes as the class comment says; idempotent. */
    @Override
    void close();
}
