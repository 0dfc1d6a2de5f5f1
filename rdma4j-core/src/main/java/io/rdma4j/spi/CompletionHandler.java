package io.rdma4j.spi;

/** Receives completions from {@link CompletionQueue#poll}: the fields of an {@code ibv_wc}. */
@FunctionalInterface
public interface CompletionHandler {

    /**
     * One completion.
     *
     * @param wrId the work request's id as posted
     * @param status an {@code ibv_wc_status} value (0 is success)
     * @param opcode what completed
     * @param byteLength bytes received (receives) or read; 0 where verbs leaves it undefined
     * @param immediate the immediate data when {@code hasImmediate}
     * @param hasImmediate whether the completion carries immediate data
     * @param vendorError the provider's own error detail, 0 when none
     */
    void onCompletion(long wrId, int status, WorkOpcode opcode, int byteLength, int immediate,
                      boolean hasImmediate, int vendorError);
}
