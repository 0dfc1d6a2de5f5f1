package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many connections at once (64 or more, {@link #connections()}): all connect concurrently, each
 * moves its own data both ways without crosstalk, and all hammer one shared counter.
 */
public abstract class ScaleContract extends ContractSupport {
    /** For a provider's subclass. */
    protected ScaleContract() {}


    /**
     * How many connections the first test opens at once (the second opens half again as many).
     *
     * @return at least 64
     */
    protected int connections() {
        return 64;
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void manyConnectionsAtOnceEachMoveTheirOwnData() throws Exception {
        // small queues: many connections share one completion queue and poller
        run(connections(), b -> b.sendQueueDepth(16).receiveQueueDepth(16));
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void manyConnectionsWithDefaultQueuesSpreadOverPollers() throws Exception {
        // default depths: the connections need several completion queues and pollers per context
        run(connections() + connections() / 2, b -> {});
    }

    private void run(int n, Consumer<RdmaOptions.Builder> settings) throws Exception {
        assertTrue(n >= 64);
        // A connect waits while the listener makes the queue pairs of those ahead of it: the last
        // of 96 in a cold JVM in an emulated guest waits longer than the default connect timeout,
        // which is meant for one connect. What this test checks is that all connect, not how fast.
        var patient = settings.andThen(b -> b.connectTimeout(patience()));
        RdmaContext serverCtx = openContext(patient);
        RdmaContext clientCtx = openContext(patient);
        Listener listener = listen(serverCtx);
        List<CompletableFuture<Connection>> accepts = new ArrayList<>();
        List<CompletableFuture<Connection>> connects = new ArrayList<>();
        // tracked as they complete, so a test that fails half-way leaves none for the leak check
        for (int i = 0; i < n; i++) {
            accepts.add(listener.acceptAsync().thenApply(this::track));
        }
        for (int i = 0; i < n; i++) {
            connects.add(clientCtx.connectAsync(listener.localAddress()).thenApply(this::track));
        }
        List<Connection> servers = new ArrayList<>();
        List<Connection> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(await(connects.get(i)));
            servers.add(await(accepts.get(i)));
        }
        Set<java.net.InetSocketAddress> ports = new HashSet<>();
        for (Connection c : clients) {
            assertTrue(c.isOpen());
            ports.add(c.localAddress());
        }
        assertEquals(n, ports.size(), "every client connection has its own local address");

        LocalMr counter = allocate(serverCtx, 64);
        int size = 20_000;
        LocalMr serverMem = allocate(serverCtx, (long) n * 2 * size);
        LocalMr clientMem = allocate(clientCtx, (long) n * 2 * size);
        // the server does not know which accepted connection matches which client: each client
        // tells it with a SEND carrying its index as the immediate
        List<CompletableFuture<Received>> hellos = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hellos.add(servers.get(i).receiveAsync(serverMem.slice((long) i * 2 * size + size, size)));
        }
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        RemoteMr[] counters = new RemoteMr[n];
        RemoteMr[] windows = new RemoteMr[n];
        for (int i = 0; i < n; i++) {
            Connection s = servers.get(i);
            s.grant(counter.slice(0, 8), Access.REMOTE_ATOMIC, Duration.ofMinutes(5));
            s.grant(serverMem.slice((long) i * 2 * size, size), Access.REMOTE_READ_WRITE, Duration.ofMinutes(5));
        }
        for (int i = 0; i < n; i++) {
            int index = i;
            Connection c = clients.get(i);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    counters[index] = c.acceptGrant();
                    windows[index] = c.acceptGrant();
                    long base = (long) index * 2 * size;
                    byte[] mine = Patterns.bytes(5000 + index, size);
                    clientMem.put(base, mine);
                    c.write(clientMem.slice(base, size), windows[index].slice(0, size));
                    c.read(clientMem.slice(base + size, size), windows[index].slice(0, size));
                    Patterns.assertHolds("connection " + index + ": READ back its own WRITE", clientMem, base + size, mine);
                    for (int k = 0; k < 50; k++) {
                        c.fetchAndAdd(counters[index].slice(), 1);
                    }
                    c.sendWithImm(clientMem.slice(base, size), index);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(failures.size() + " connection(s) failed; first: " + failures.getFirst(), failures.getFirst());
            failures.stream().skip(1).limit(5).forEach(e::addSuppressed);
            throw e;
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Received r = await(hellos.get(i));
            int who = r.immediate();
            if (!seen.add(who) || who < 0 || who >= n) {
                fail("server connection " + i + " got a SEND from client " + who + ", which is out of range or seen twice");
            }
            assertEquals(size, r.byteLength());
            Patterns.assertHolds("server connection " + i + ": the SEND of client " + who, serverMem, (long) i * 2 * size + size,
                    Patterns.bytes(5000 + who, size));
            Patterns.assertHolds("server connection " + i + ": the WRITE of its client", serverMem, (long) i * 2 * size,
                    Patterns.bytes(5000 + who, size));
        }
        assertEquals(50L * n, counter.getLong(0), "the shared counter after 50 fetch-and-adds from each connection");
    }
}
