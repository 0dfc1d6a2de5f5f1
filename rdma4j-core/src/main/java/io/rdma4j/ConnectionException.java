package io.rdma4j;

/** A connection could not be made, or it broke. */
public class ConnectionException extends RdmaException {
    /**
     * @param message what happened and what to do
     */
    public ConnectionException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public ConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
