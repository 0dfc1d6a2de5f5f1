package io.rdma4j.verbs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Grant;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/**
 * The public API on the verbs provider, two contexts in one process over loopback on the
 * Soft-RoCE device, in both connection modes: rdma_cm and the out-of-band TCP exchange.
 */
@Timeout(180)
class VerbsApiTest {

    private static RdmaOptions options(String mode) {
        return RdmaOptions.builder().provider("verbs").device(SoftRoce.inGuest() ? SoftRoce.device() : null)
                .properties(Map.of("connect", mode)).sendQueueDepth(32).receiveQueueDepth(32)
                .completionQueueSize(1024).poolChunkSize(1 << 20).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cm", "oob"})
    void everyOperationBetweenTwoContexts(String mode) throws Exception {
        SoftRoce.assumeDevice();
        RdmaOptions o = options(mode);
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener l = server.listen(new InetSocketAddress(SoftRoce.address(), 0))) {
            assertEquals("verbs", server.provider());
            CompletableFuture<Connection> accepted = l.acceptAsync();
            try (Connection c = client.connect(l.localAddress()); Connection s = accepted.get(60, TimeUnit.SECONDS);
                 LocalMr target = server.allocate(8192); LocalMr local = client.allocate(8192);
                 LocalMr inbox = server.allocate(4096)) {
                Grant g = s.grant(target, Access.REMOTE_ALL, Duration.ofMinutes(5));
                RemoteMr remote = c.acceptGrant();
                assertEquals(8192, remote.length());

                byte[] data = new byte[3000];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (byte) (i * 13 + 5);
                }
                local.put(3, data);
                c.write(local.slice(3, 3000), remote.slice(17, 3000));
                assertArrayEquals(data, target.getBytes(17, 3000), "WRITE");

                local.fill(0, 8192, (byte) 0);
                c.read(local.slice(1, 3000), remote.slice(17, 3000));
                assertArrayEquals(data, local.getBytes(1, 3000), "READ");

                target.putLong(4096, 40);
                assertEquals(40, c.fetchAndAdd(remote.slice(4096, 8), 2), "FETCH_AND_ADD");
                assertEquals(42, c.compareAndSwap(remote.slice(4096, 8), 42, 7), "COMPARE_AND_SWAP");
                assertEquals(7, target.getLong(4096));
                assertEquals(7, c.compareAndSwap(remote.slice(4096, 8), 1, 9), "failed CAS returns the old value");
                assertEquals(7, target.getLong(4096));

                CompletableFuture<Received> r = s.receiveAsync(inbox.slice(0, 2048));
                c.sendWithImm(local.slice(1, 500), 0xCAFE);
                Received got = r.get(30, TimeUnit.SECONDS);
                assertEquals(500, got.byteLength());
                assertTrue(got.hasImmediate());
                assertEquals(0xCAFE, got.immediate());
                assertArrayEquals(Arrays.copyOf(data, 500), inbox.getBytes(0, 500), "SEND");

                CompletableFuture<Received> r2 = s.receiveAsync(inbox.slice(0, 64));
                c.writeWithImm(local.slice(0, 64), remote.slice(0, 64), 77);
                Received got2 = r2.get(30, TimeUnit.SECONDS);
                assertTrue(got2.hasImmediate());
                assertEquals(77, got2.immediate());

                c.batch().write(local.slice(0, 100), remote.slice(6000, 100))
                        .write(local.slice(100, 100), remote.slice(6100, 100))
                        .read(local.slice(4000, 200), remote.slice(17, 200)).submit();
                assertArrayEquals(local.getBytes(0, 200), target.getBytes(6000, 200), "batched WRITEs");
                assertArrayEquals(target.getBytes(17, 200), local.getBytes(4000, 200), "batched READ");

                for (int i = 0; i < 200; i++) { // more than the queue depth: the core queues, the NIC keeps up
                    c.writeAsync(local.slice(0, 8), remote.slice(8 * (i % 64), 8));
                }
                c.write(local.slice(0, 8), remote.slice(0, 8));

                g.revoke();
                target.putLong(128, 5);
                RdmaException e = assertThrows(RdmaException.class, () -> c.write(local.slice(0, 8), remote.slice(128, 8)));
                assertEquals(5, target.getLong(128), "a revoked grant was written: " + e);
            }
        }
    }

    /** 127.0.0.1 is what tools default to (the demo, the testkit): it must reach the RDMA device too. */
    @ParameterizedTest
    @ValueSource(strings = {"cm", "oob"})
    void theLoopbackAddressWorks(String mode) throws Exception {
        SoftRoce.assumeDevice();
        RdmaOptions o = options(mode);
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener l = server.listen(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            try (Connection c = client.connect(new InetSocketAddress("127.0.0.1", l.localAddress().getPort()));
                 Connection s = accepted.get(60, TimeUnit.SECONDS);
                 LocalMr target = server.allocate(4096); LocalMr local = client.allocate(4096)) {
                s.grant(target, Access.REMOTE_WRITE, Duration.ofMinutes(1));
                RemoteMr remote = c.acceptGrant();
                local.putLong(0, 0x1234_5678_9abcL);
                c.write(local.slice(0, 8), remote.slice(8, 8));
                assertEquals(0x1234_5678_9abcL, target.getLong(8));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cm", "oob"})
    void closingOneSideFailsThePeersWaitingReceive(String mode) throws Exception {
        SoftRoce.assumeDevice();
        RdmaOptions o = options(mode);
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener l = server.listen(new InetSocketAddress(SoftRoce.address(), 0))) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            Connection c = client.connect(l.localAddress());
            try (Connection s = accepted.get(60, TimeUnit.SECONDS); LocalMr inbox = server.allocate(4096)) {
                CompletableFuture<Received> r = s.receiveAsync(inbox.slice(0, 64));
                c.close();
                var ex = assertThrows(java.util.concurrent.ExecutionException.class, () -> r.get(60, TimeUnit.SECONDS));
                assertInstanceOf(RdmaException.class, ex.getCause());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (s.isOpen() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertFalse(s.isOpen(), "the server side did not notice the disconnect");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cm", "oob"})
    void connectingToNobodyIsAClearError(String mode) {
        SoftRoce.assumeDevice();
        try (RdmaContext client = Rdma.open(options(mode).toBuilder().connectTimeout(Duration.ofSeconds(10)).build())) {
            RdmaException e = assertThrows(RdmaException.class,
                    () -> client.connect(new InetSocketAddress(SoftRoce.address(), 1)));
            assertTrue(e.getMessage().contains(SoftRoce.address()), e.getMessage());
        }
    }
}
