package io.rdma4j;

/** The peer's policy refused a request for remote memory (budget, size or access). */
public class GrantRefusedException extends GrantException {
    /**
     * @param message what happened and what to do
     */
    public GrantRefusedException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public GrantRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
