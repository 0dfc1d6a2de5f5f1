package io.rdma4j;

/**
 * A work request completed with an error status. Like a verbs queue pair, the connection is in
 * the error state afterwards and later operations flush ({@link FlushedException}).
 */
public class WorkCompletionException extends RdmaException {
    private final WcStatus status;
    private final int vendorError;

    /**
     * @param operation what was being done, for the message
     * @param status the completion status
     * @param vendorError the provider's detail code, 0 when none
     */
    public WorkCompletionException(String operation, WcStatus status, int vendorError) {
        super(operation + " failed: " + status.describe() + (vendorError != 0 ? " (vendor error 0x" + Integer.toHexString(vendorError) + ")" : ""));
        this.status = status;
        this.vendorError = vendorError;
    }

    /** The completion status. */
    public WcStatus status() { return status; }

    /** The provider's detail code, 0 when none. */
    public int vendorError() { return vendorError; }

    /**
     * The most specific exception for a failed completion.
     *
     * @param operation what was being done
     * @param status the status
     * @param vendorError the provider's detail
     * @return the exception to complete the operation with
     */
    public static WorkCompletionException of(String operation, WcStatus status, int vendorError) {
        return switch (status) {
            case REM_ACCESS_ERR -> new RemoteAccessException(operation, status, vendorError);
            case RNR_RETRY_EXC_ERR -> new ReceiverNotReadyException(operation, status, vendorError);
            case RETRY_EXC_ERR -> new RetryExceededException(operation, status, vendorError);
            case WR_FLUSH_ERR -> new FlushedException(operation, status, vendorError);
            default -> new WorkCompletionException(operation, status, vendorError);
        };
    }
}
