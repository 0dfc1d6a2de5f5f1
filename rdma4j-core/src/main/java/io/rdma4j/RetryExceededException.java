package io.rdma4j;

/** The peer did not answer within the transport retries: it is dead or unreachable (IBV_WC_RETRY_EXC_ERR). */
public class RetryExceededException extends WorkCompletionException {
    /**
     * @param operation what was being done
     * @param status the completion status
     * @param vendorError the provider's detail code
     */
    public RetryExceededException(String operation, WcStatus status, int vendorError) {
        super(operation, status, vendorError);
    }
}
