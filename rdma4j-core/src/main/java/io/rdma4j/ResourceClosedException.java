package io.rdma4j;

/** A context, connection, listener, memory region or grant was used after it was closed. */
public class ResourceClosedException extends RdmaException {
    /**
     * @param message what happened and what to do
     */
    public ResourceClosedException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public ResourceClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
