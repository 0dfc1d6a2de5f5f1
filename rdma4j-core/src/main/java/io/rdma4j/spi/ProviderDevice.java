package io.rdma4j.spi;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * An opened device with its protection domain: registers memory, makes completion queues and
 * reliable-connected endpoints. Thread-safe.
 *
 * <p>Close order is the core's job: it closes endpoints, then completion queues, then
 * registrations, then the device.
 */
public interface ProviderDevice extends AutoCloseable {

    /** The provider's name. */
    String providerName();

    /** The device's name, e.g. {@code rxe0} or {@code tcp}. */
    String deviceName();

    /** Limits the core must respect. */
    DeviceLimits limits();

    /**
     * Registers native memory for local access by work requests ({@code lkey}). Remote access is
     * only ever given through {@link ProviderEndpoint#registerForPeer}.
     *
     * @param segment native memory that stays alive until the registration is closed
     * @param access {@link AccessFlags} bits; only local bits are meaningful here
     * @return the registration
     */
    MemoryRegistration register(MemorySegment segment, int access);

    /**
     * Creates a completion queue shared by the endpoints the core attaches to it.
     *
     * @param capacity the number of entries it must hold without overflow
     * @return the queue
     */
    CompletionQueue createCompletionQueue(int capacity);

    /**
     * Listens for connections.
     *
     * @param address where to listen; port 0 picks a free port
     * @param backlog pending connections queued by the provider
     * @return the listener
     */
    ProviderListener listen(InetSocketAddress address, int backlog);

    /**
     * Connects to a listener and returns when both sides are ready to post (no sleeps, a real
     * handshake).
     *
     * @param remote the listener's address
     * @param spec queues and callbacks of the new endpoint
     * @param timeout the longest the handshake may take
     * @return the connected endpoint
     * @throws io.rdma4j.ConnectionException when the peer refuses or does not answer in time
     */
    ProviderEndpoint connect(InetSocketAddress remote, EndpointSpec spec, Duration timeout);

    /** Releases the device; everything made from it must be closed first. */
    @Override
    void close();
}
