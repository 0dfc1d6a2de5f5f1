package io.rdma4j.spi;

import java.net.InetSocketAddress;
import java.time.Duration;

/** Accepts reliable-connected endpoints. {@link #close} wakes a blocked {@link #accept}. */
public interface ProviderListener extends AutoCloseable {

    /**
     * Waits for the next connection and completes its handshake.
     *
     * @param spec queues and callbacks of the new endpoint
     * @param timeout the longest wait, or null for no limit
     * @return the connected endpoint
     * @throws io.rdma4j.ResourceClosedException when the listener is closed while waiting
     * @throws io.rdma4j.OperationTimeoutException when nothing connects in time
     */
    ProviderEndpoint accept(EndpointSpec spec, Duration timeout);

    /** The bound address (with the real port when 0 was asked). */
    InetSocketAddress localAddress();

    /** Stops listening; idempotent. */
    @Override
    void close();
}
