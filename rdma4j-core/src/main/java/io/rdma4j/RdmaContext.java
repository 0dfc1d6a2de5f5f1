package io.rdma4j;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * An opened device with its memory pool, pollers, listeners and connections. Closing it closes
 * everything made from it, in order: connections, listeners, completion queues, memory, device.
 */
public interface RdmaContext extends AutoCloseable {

    /** The provider in use, e.g. {@code tcp} or {@code verbs}. */
    String provider();

    /** The device in use. */
    String device();

    /** The options this context was opened with. */
    RdmaOptions options();

    /**
     * Listens for connections.
     *
     * @param address where to listen; port 0 picks a free one
     * @return the listener
     */
    Listener listen(InetSocketAddress address);

    /**
     * Connects to a listener; blocks until both sides can post.
     *
     * @param address the listener's address
     * @return the connection
     * @throws ConnectionException when the peer refuses or does not answer in time
     */
    Connection connect(InetSocketAddress address);

    /**
     * Connects without blocking the caller.
     *
     * @param address the listener's address
     * @return completes with the connection, or exceptionally with {@link ConnectionException}
     */
    CompletableFuture<Connection> connectAsync(InetSocketAddress address);

    /**
     * Allocates zeroed, registered memory from the context's pool.
     *
     * @param size bytes, at least 1
     * @return the region; close it to give it back
     */
    LocalMr allocate(long size);

    /**
     * Allocates zeroed, registered memory with an alignment.
     *
     * @param size bytes, at least 1
     * @param alignment a power of two up to 4096
     * @return the region
     */
    LocalMr allocate(long size, long alignment);

    /** Whether the context is open. */
    boolean isOpen();

    /** Closes every connection, listener and region of this context, then the device. */
    @Override
    void close();
}
