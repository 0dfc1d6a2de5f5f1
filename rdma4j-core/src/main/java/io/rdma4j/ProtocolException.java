package io.rdma4j;

/** The peer broke the wire or control protocol; the connection was closed, nothing else was affected. */
public class ProtocolException extends ConnectionException {
    /**
     * @param message what happened and what to do
     */
    public ProtocolException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
