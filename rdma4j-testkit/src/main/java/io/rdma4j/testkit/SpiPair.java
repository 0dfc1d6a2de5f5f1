package io.rdma4j.testkit;

import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.EndpointHandler;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import io.rdma4j.spi.RdmaProvider;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Two connected endpoints of one provider, each on a device and completion queue of its own,
 * with no core in the way: for checks of what the core relies on from the SPI. Closes all of it.
 *
 * @param serverDevice the accepting side's device
 * @param clientDevice the connecting side's device
 * @param serverCq the server endpoint's send and receive completion queue
 * @param clientCq the client endpoint's send and receive completion queue
 * @param listener the server's listener
 * @param server the accepted endpoint
 * @param client the connecting endpoint
 */
record SpiPair(ProviderDevice serverDevice, ProviderDevice clientDevice, CompletionQueue serverCq, CompletionQueue clientCq,
               ProviderListener listener, ProviderEndpoint server, ProviderEndpoint client) implements AutoCloseable {
    /** How long connecting, or waiting for completions, may take. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    /**
     * Opens two devices of {@code provider} and connects them on {@code host}, queues of depth 16.
     *
     * @param provider the provider
     * @param config how to open its devices
     * @param host the address to listen on
     * @return the pair
     * @throws Exception when setting up fails
     */
    static SpiPair connect(RdmaProvider provider, ProviderConfig config, String host) throws Exception {
        ProviderDevice sd = provider.open(config);
        ProviderDevice cd = provider.open(config);
        CompletionQueue sq = sd.createCompletionQueue(64);
        CompletionQueue cq = cd.createCompletionQueue(64);
        EndpointHandler quiet = new EndpointHandler() {
            @Override
            public void onControlMessage(MemorySegment message) {
            }

            @Override
            public void onDisconnected(Throwable cause) {
            }
        };
        ProviderListener l = sd.listen(new InetSocketAddress(host, 0), 8);
        CompletableFuture<ProviderEndpoint> acc = CompletableFuture.supplyAsync(
                () -> l.accept(new EndpointSpec(sq, sq, 16, 16, quiet), PATIENCE));
        ProviderEndpoint c = cd.connect(l.localAddress(), new EndpointSpec(cq, cq, 16, 16, quiet), PATIENCE);
        ProviderEndpoint s = acc.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        return new SpiPair(sd, cd, sq, cq, l, s, c);
    }

    /** One completion as the provider reported it. */
    record Wc(long wrId, int status) {}

    /**
     * Polls the client's queue until {@code n} completions came, then 200 ms more to catch any
     * extra one, at most {@link #PATIENCE}.
     *
     * @param n how many to wait for
     * @return every completion polled, in order
     * @throws InterruptedException when interrupted while waiting
     */
    List<Wc> awaitClientCompletions(int n) throws InterruptedException {
        List<Wc> got = new ArrayList<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        long settle = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, settle)) {
            if (clientCq.poll((id, st, op, len, imm, hasImm, vendor) -> got.add(new Wc(id, st)), 16) == 0) {
                clientCq.await(TimeUnit.MILLISECONDS.toNanos(20));
            }
            if (got.size() >= n && settle == Long.MAX_VALUE) {
                settle = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            }
        }
        return got;
    }

    /** Endpoints first, then the listener, the queues and the devices. */
    @Override
    public void close() {
        client.disconnect();
        client.close();
        server.disconnect();
        server.close();
        listener.close();
        serverCq.close();
        clientCq.close();
        clientDevice.close();
        serverDevice.close();
    }
}
