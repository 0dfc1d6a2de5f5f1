package io.rdma4j.cli;

/** The command cannot run as asked (a peer that does not answer, flags that do not fit): exit status 2. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line saying what is wrong and what to do */
    public UsageException(String message) {
        super(message);
    }

    /** @param message one line @param cause what failed underneath */
    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
