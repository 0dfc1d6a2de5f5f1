package io.rdma4j.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.RemoteAccessException;
import io.rdma4j.RemoteMr;
import io.rdma4j.Received;
import io.rdma4j.Grant;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One pass over every operation between two contexts on loopback, through the public API: the
 * quick check that the provider and the core fit together. The full contract is the testkit's.
 */
@Timeout(60)
class TcpSmokeTest {

    /**
     * Under busy polling a blocking call on a platform thread polls the completion queue itself:
     * it still returns the result, and still gives up at the operation timeout.
     */
    @Test
    void busyPollingBlockingCallsReturnAndTimeOut() throws Exception {
        RdmaOptions o = RdmaOptions.builder().provider("tcp").pollMode(io.rdma4j.PollMode.BUSY)
                .operationTimeout(Duration.ofSeconds(1)).build();
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener l = server.listen(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            try (Connection c = client.connect(l.localAddress()); Connection s = accepted.get();
                 LocalMr target = server.allocate(64); LocalMr local = client.allocate(64)) {
                s.grant(target, Access.REMOTE_ALL, Duration.ofMinutes(1));
                RemoteMr remote = c.acceptGrant();
                target.putLong(0, 5);
                assertEquals(5, c.fetchAndAdd(remote.slice(0, 8), 1));
                assertEquals(6, target.getLong(0));
                long t0 = System.nanoTime();
                assertThrows(io.rdma4j.OperationTimeoutException.class, () -> c.receive(local.slice()));
                long waited = System.nanoTime() - t0;
                assertTrue(waited >= 900_000_000L && waited < 10_000_000_000L, "waited " + waited / 1_000_000 + " ms");
            }
        }
    }

    @Test
    void everyOperationOnceOverLoopback() throws Exception {
        RdmaOptions o = RdmaOptions.builder().provider("tcp").build();
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener l = server.listen(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            try (Connection c = client.connect(l.localAddress()); Connection s = accepted.get();
                 LocalMr target = server.allocate(4096); LocalMr local = client.allocate(4096);
                 LocalMr inbox = server.allocate(4096)) {
                Grant g = s.grant(target, Access.REMOTE_ALL, Duration.ofMinutes(1));
                RemoteMr remote = c.acceptGrant();
                assertEquals(4096, remote.length());

                byte[] data = new byte[1000];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (byte) (i * 7);
                }
                local.put(3, data);
                c.write(local.slice(3, 1000), remote.slice(17, 1000));
                assertArrayEquals(data, target.getBytes(17, 1000));

                local.fill(0, 4096, (byte) 0);
                c.read(local.slice(1, 1000), remote.slice(17, 1000));
                assertArrayEquals(data, local.getBytes(1, 1000));

                target.putLong(64, 40);
                assertEquals(40, c.fetchAndAdd(remote.slice(64, 8), 2));
                assertEquals(42, c.compareAndSwap(remote.slice(64, 8), 42, 7));
                assertEquals(7, target.getLong(64));

                CompletableFuture<Received> r = s.receiveAsync(inbox.slice(0, 2048));
                c.sendWithImm(local.slice(1, 500), 0xCAFE);
                Received got = r.get();
                assertEquals(500, got.byteLength());
                assertTrue(got.hasImmediate());
                assertEquals(0xCAFE, got.immediate());
                assertArrayEquals(java.util.Arrays.copyOf(data, 500), inbox.getBytes(0, 500));

                g.revoke();
                target.putLong(128, 5);
                assertThrows(Exception.class, () -> c.write(local.slice(0, 8), remote.slice(128, 8)));
                assertEquals(5, target.getLong(128));
            }
        }
    }
}
