package io.rdma4j;

/** A blocking call did not finish in time. The operation itself may still complete: its memory stays lent until it does. */
public class OperationTimeoutException extends RdmaException {
    /**
     * @param message what happened and what to do
     */
    public OperationTimeoutException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public OperationTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
