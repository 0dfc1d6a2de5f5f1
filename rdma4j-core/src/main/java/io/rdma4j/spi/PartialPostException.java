package io.rdma4j.spi;

import io.rdma4j.RdmaException;

/**
 * A post of several send-side work requests that the device took only in part, as
 * {@code ibv_post_send} reports with its {@code bad_wr}: the first {@link #posted()} requests
 * reached the device and will complete or flush like any others, the rest never did. Any other
 * exception from {@link ProviderEndpoint#postSend} means that none of the batch was posted.
 */
public final class PartialPostException extends RdmaException {
    private static final long serialVersionUID = 1L;

    /** How many of the batch, from its first, the device took. */
    private final int posted;

    /**
     * @param message why the rest was refused
     * @param posted how many requests, from the first, the device took (at least 1)
     */
    public PartialPostException(String message, int posted) {
        super(message);
        if (posted < 1) {
            throw new IllegalArgumentException("a partial post took at least one request, not " + posted);
        }
        this.posted = posted;
    }

    /**
     * @return how many requests of the batch, from its first, reached the device
     */
    public int posted() {
        return posted;
    }
}
