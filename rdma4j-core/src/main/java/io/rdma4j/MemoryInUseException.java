package io.rdma4j;

/** Local memory is lent to the device (or to a view) in a way that conflicts with what was asked. Wait for the operation's completion, or use a different range. */
public class MemoryInUseException extends RdmaException {
    /**
     * @param message what happened and what to do
     */
    public MemoryInUseException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public MemoryInUseException(String message, Throwable cause) {
        super(message, cause);
    }
}
