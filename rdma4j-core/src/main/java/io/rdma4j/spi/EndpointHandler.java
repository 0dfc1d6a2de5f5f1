package io.rdma4j.spi;

import java.lang.foreign.MemorySegment;

/**
 * What an endpoint tells the core outside the completion queues. Called on a provider thread,
 * which must not be blocked: the core only decodes, records and hands work off.
 */
public interface EndpointHandler {

    /**
     * A control message from the peer (grants, requests, releases), in order. The provider has
     * checked only its length bound; the core checks the rest.
     *
     * @param message the bytes, valid only during this call
     */
    void onControlMessage(MemorySegment message);

    /**
     * The endpoint stopped working: the peer disconnected, died, or broke the protocol. Every
     * work request still outstanding is (or will be) completed through the completion queues
     * with an error status, as a queue pair in the error state flushes.
     *
     * @param cause what happened, for the exceptions users see
     */
    void onDisconnected(Throwable cause);
}
