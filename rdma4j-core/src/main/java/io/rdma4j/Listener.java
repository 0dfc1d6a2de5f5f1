package io.rdma4j;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Accepts connections. Closing it wakes every waiting accept with {@link ResourceClosedException}. */
public interface Listener extends AutoCloseable {

    /** The bound address, with the real port. */
    InetSocketAddress localAddress();

    /**
     * Waits for the next connection.
     *
     * @return the connection, ready to post
     */
    Connection accept();

    /**
     * Waits for the next connection at most this long.
     *
     * @param timeout the longest wait
     * @return the connection
     * @throws OperationTimeoutException when nothing connects in time
     */
    Connection accept(Duration timeout);

    /**
     * Accepts without blocking the caller.
     *
     * @return completes with the next connection
     */
    CompletableFuture<Connection> acceptAsync();

    /** Stops listening; connections already accepted stay open. */
    @Override
    void close();
}
