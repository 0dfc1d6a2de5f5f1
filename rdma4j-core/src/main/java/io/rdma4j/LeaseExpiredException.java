package io.rdma4j;

/** The lease of a remote memory grant has ended, or the grant was released or revoked; the rkey is dead. */
public class LeaseExpiredException extends GrantException {
    /**
     * @param message what happened and what to do
     */
    public LeaseExpiredException(String message) {
        super(message);
    }

    /**
     * @param message what happened and what to do
     * @param cause the underlying failure
     */
    public LeaseExpiredException(String message, Throwable cause) {
        super(message, cause);
    }
}
