package io.rdma4j;

/** The peer refused the access: the rkey is unknown, revoked or foreign, the range is outside the grant, or the grant lacks the access (IBV_WC_REM_ACCESS_ERR). The target memory is unchanged. */
public class RemoteAccessException extends WorkCompletionException {
    /**
     * @param operation what was being done
     * @param status the completion status
     * @param vendorError the provider's detail code
     */
    public RemoteAccessException(String operation, WcStatus status, int vendorError) {
        super(operation, status, vendorError);
    }
}
