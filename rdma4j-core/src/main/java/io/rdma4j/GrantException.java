package io.rdma4j;

/** A remote-memory capability cannot be used or was not given. */
public class GrantException extends RdmaException {
    /**
     * @param message what happened and what to do
     */
    public GrantException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public GrantException(String message, Throwable cause) {
        super(message, cause);
    }
}
