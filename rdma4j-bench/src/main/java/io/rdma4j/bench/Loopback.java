package io.rdma4j.bench;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Grant;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.PollMode;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.RemoteMr;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Two contexts of one provider connected over loopback, through the public API only: the server
 * grants a target region, the client holds the grant and a source region. What every rdma4j
 * benchmark here stands on.
 */
public final class Loopback implements AutoCloseable {
    public final RdmaContext server;
    public final RdmaContext client;
    public final Connection serverConnection;
    public final Connection connection;
    public final LocalMr target;
    public final LocalMr source;
    public final RemoteMr remote;
    private final Grant grant;
    private final Listener listener;

    /**
     * @param provider provider name, e.g. {@code tcp}
     * @param pollMode the client's pollers' idle strategy; the server side gets no completions
     *     from one-sided operations, so its pollers block ({@link PollMode#EVENT}) rather than
     *     take a core from the measured side, as a server in another process would
     * @param regionSize bytes of the source and of the granted target
     */
    public Loopback(String provider, PollMode pollMode, long regionSize) {
        RdmaOptions o = RdmaOptions.builder().provider(provider).pollMode(pollMode).build();
        RdmaContext s = null;
        RdmaContext c = null;
        try {
            s = Rdma.open(o.toBuilder().pollMode(PollMode.EVENT).build());
            c = Rdma.open(o);
            listener = s.listen(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<Connection> accepted = listener.acceptAsync();
            connection = c.connect(listener.localAddress());
            serverConnection = accepted.get(30, TimeUnit.SECONDS);
            target = s.allocate(regionSize);
            source = c.allocate(regionSize);
            grant = serverConnection.grant(target, Access.REMOTE_ALL, Duration.ofHours(1));
            remote = connection.acceptGrant();
        } catch (Exception e) {
            if (c != null) {
                c.close();
            }
            if (s != null) {
                s.close();
            }
            throw new IllegalStateException("cannot set up the loopback pair: " + e, e);
        }
        server = s;
        client = c;
    }

    @Override
    public void close() {
        try {
            grant.revoke();
        } catch (RuntimeException ignored) {
            // the context closes it anyway
        }
        connection.close();
        serverConnection.close();
        listener.close();
        client.close();
        server.close();
    }

    /**
     * Waits for a future without allocating and without hogging a core: on a 2-core machine a
     * spinning waiter would starve the provider's threads.
     */
    static void await(CompletableFuture<?> f) {
        while (!f.isDone()) {
            Thread.yield();
        }
        if (f.isCompletedExceptionally()) {
            f.join(); // throws the failure
        }
    }
}
