package io.rdma4j;

/**
 * The root of every exception rdma4j throws. Unchecked: RDMA failures are operational, and the
 * subclasses say which and carry what a user needs to act.
 */
public class RdmaException extends RuntimeException {
    /**
     * @param message what happened and what to do
     */
    public RdmaException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public RdmaException(String message, Throwable cause) {
        super(message, cause);
    }
}
