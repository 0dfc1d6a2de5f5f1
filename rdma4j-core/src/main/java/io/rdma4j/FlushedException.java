package io.rdma4j;

/** The operation never ran: the connection was closed or an earlier operation failed (IBV_WC_WR_FLUSH_ERR). */
public class FlushedException extends WorkCompletionException {
    /**
     * @param operation what was being done
     * @param status the completion status
     * @param vendorError the provider's detail code
     */
    public FlushedException(String operation, WcStatus status, int vendorError) {
        super(operation, status, vendorError);
    }
}
