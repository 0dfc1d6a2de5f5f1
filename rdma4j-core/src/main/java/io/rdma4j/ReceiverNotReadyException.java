package io.rdma4j;

/** The peer had no receive posted for a SEND within the receiver-not-ready retries (IBV_WC_RNR_RETRY_EXC_ERR). */
public class ReceiverNotReadyException extends WorkCompletionException {
    /**
     * @param operation what was being done
     * @param status the completion status
     * @param vendorError the provider's detail code
     */
    public ReceiverNotReadyException(String operation, WcStatus status, int vendorError) {
        super(operation, status, vendorError);
    }
}
