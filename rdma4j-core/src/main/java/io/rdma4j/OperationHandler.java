package io.rdma4j;

/**
 * A completion callback that allocates nothing: the alternative to futures on hot paths. Pass
 * the same handler to every call, with an attachment that tells the operations apart (as with
 * NIO's {@code CompletionHandler}); rdma4j then allocates nothing per operation.
 *
 * <p>Exactly one method is called once per posted operation (or submitted batch), on the
 * thread that polls its completion: a poller of the context, or a platform thread waiting in a
 * blocking call. It must not block on an operation ({@link IllegalStateException}), and should
 * return quickly: other completions wait behind it. What it throws is logged and changes
 * nothing else. An operation refused before it is posted (a bad argument, memory in use, a
 * closed connection) throws at the call and never reaches the handler.
 *
 * @param <A> the attachment's type
 */
public interface OperationHandler<A> {

    /**
     * The operation finished.
     *
     * @param value the remote value before the operation for atomics; 0 otherwise
     * @param attachment what was passed with the operation
     */
    void completed(long value, A attachment);

    /**
     * The operation failed, was flushed behind a failure, or never ran because the connection
     * closed.
     *
     * @param error why, as the future form would have failed
     * @param attachment what was passed with the operation
     */
    void failed(RdmaException error, A attachment);
}
