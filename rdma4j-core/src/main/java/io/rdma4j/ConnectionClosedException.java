package io.rdma4j;

/** The connection is closed or its peer went away; operations still pending on it fail with this (or with a work-completion error). */
public class ConnectionClosedException extends ConnectionException {
    /**
     * @param message what happened and what to do
     */
    public ConnectionClosedException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public ConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
