package io.rdma4j.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.PollMode;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.RemoteMr;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * In ADAPTIVE mode a platform thread blocked in a call on tcp waits on the completion queue's
 * event and polls it when woken, delivering the completions of the others too. More threads
 * than the queue has waiter slots, each doing blocking writes and reads on its own connection
 * of one context (so one completion queue), all get their results: none waits for a wakeup
 * that nobody sends, whether it waits on the queue or, beyond the slots, on its future.
 */
@Timeout(120)
class TcpBlockingWaitersTest {
    private static final int THREADS = TcpCompletionQueue.EVENT_WAITERS + 4;
    private static final int ROUNDS = 300;

    @Test
    void manyBlockedCallersOnOneQueueAllGetTheirResults() throws Exception {
        RdmaOptions o = RdmaOptions.builder().provider("tcp").pollMode(PollMode.ADAPTIVE)
                .operationTimeout(Duration.ofSeconds(30)).build();
        try (RdmaContext server = Rdma.open(o); RdmaContext client = Rdma.open(o);
             Listener l = server.listen(new InetSocketAddress("127.0.0.1", 0));
             LocalMr target = server.allocate(THREADS * 4096L); LocalMr local = client.allocate(THREADS * 4096L)) {
            List<Connection> connections = new ArrayList<>();
            List<RemoteMr> remotes = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                CompletableFuture<Connection> accepted = l.acceptAsync();
                Connection c = client.connect(l.localAddress());
                Connection s = accepted.get(30, TimeUnit.SECONDS);
                s.grant(target.slice(i * 4096L, 4096), Access.REMOTE_ALL, Duration.ofMinutes(5));
                connections.add(c);
                connections.add(s);
                remotes.add(c.acceptGrant());
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                int me = i;
                Connection c = connections.get(2 * i);
                RemoteMr remote = remotes.get(i);
                threads.add(Thread.ofPlatform().name("blocked-caller-" + i).start(() -> {
                    try {
                        long base = me * 4096L;
                        for (int r = 0; r < ROUNDS; r++) {
                            byte[] data = new byte[64 + r % 200];
                            for (int k = 0; k < data.length; k++) {
                                data[k] = (byte) (me * 31 + r * 7 + k);
                            }
                            local.put(base, data);
                            c.write(local.slice(base, data.length), remote.slice(0, data.length));
                            c.read(local.slice(base + 2048, data.length), remote.slice(0, data.length));
                            assertArrayEquals(data, local.getBytes(base + 2048, data.length), "thread " + me + " round " + r);
                            assertEquals(r, c.fetchAndAdd(remote.slice(1024, 8), 1), "thread " + me + " round " + r);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(100));
                assertFalse(t.isAlive(), t.getName() + " is still blocked");
            }
            if (failure.get() != null) {
                throw new AssertionError("a blocked caller failed", failure.get());
            }
            for (Connection c : connections) {
                c.close();
            }
        }
    }
}
