package io.rdma4j;

/** The grant does not carry the access an operation needs (read, write or atomic). */
public class AccessDeniedException extends GrantException {
    /**
     * @param message what happened and what to do
     */
    public AccessDeniedException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public AccessDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
