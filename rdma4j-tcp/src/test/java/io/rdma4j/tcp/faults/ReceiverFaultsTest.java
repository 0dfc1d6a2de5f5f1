package io.rdma4j.tcp.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.FlushedException;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.MemoryInUseException;
import io.rdma4j.OperationTimeoutException;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.ReceiverNotReadyException;
import io.rdma4j.RemoteMr;
import io.rdma4j.internal.ContextImpl;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Receivers that do not keep up: one that never posts a buffer (with finite RNR retries the
 * send ends with RNR_RETRY_EXC_ERR within the retry bound and what follows flushes; with
 * infinite retries a blocking send times out but the message still arrives once a buffer is
 * posted) and a slow consumer (every message arrives intact and in order at the consumer's pace;
 * if it stops for good with finite retries, the sender learns it within the bound).
 */
@Timeout(120)
class ReceiverFaultsTest {

    private interface Body {
        void run(Connection sender, Connection receiver, RdmaContext senderCtx, RdmaContext receiverCtx) throws Exception;
    }

    private static void pair(RdmaOptions senderOptions, Body body) throws Exception {
        long leaks = ContextImpl.leaksFound();
        RdmaOptions plain = RdmaOptions.builder().provider("tcp").build();
        try (RdmaContext s = Rdma.open(senderOptions); RdmaContext r = Rdma.open(plain);
             Listener l = r.listen(new InetSocketAddress("127.0.0.1", 0))) {
            CompletableFuture<Connection> accepted = l.acceptAsync();
            try (Connection c = s.connect(l.localAddress()); Connection a = accepted.get(10, TimeUnit.SECONDS)) {
                body.run(c, a, s, r);
            }
            for (RdmaContext x : List.of(s, r)) {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (((ContextImpl) x).regionsInUse() != 0 && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
                assertEquals(0, ((ContextImpl) x).regionsInUse(), "regions left");
                assertEquals(0, ((ContextImpl) x).poolBytesInUse(), "pool bytes left");
            }
        }
        assertEquals(leaks, ContextImpl.leaksFound(), "leaks reported");
    }

    @Test
    void receiverThatNeverPostsEndsSendsWithReceiverNotReadyWithinTheBound() throws Exception {
        for (int rnrRetry : new int[] {0, 3}) {
            Duration delay = Duration.ofMillis(20);
            RdmaOptions o = RdmaOptions.builder().provider("tcp").rnrRetry(rnrRetry).rnrDelay(delay).build();
            pair(o, (c, a, sctx, rctx) -> {
                try (LocalMr src = sctx.allocate(4096); LocalMr target = rctx.allocate(4096)) {
                    a.grant(target, Access.REMOTE_ALL, Duration.ofMinutes(1));
                    RemoteMr remote = c.acceptGrant();
                    src.fill(0, 4096, (byte) 0x5A);
                    long t0 = System.nanoTime();
                    List<CompletableFuture<?>> fs = new ArrayList<>();
                    fs.add(c.sendAsync(src.slice(0, 100)));
                    fs.add(c.sendWithImmAsync(src.slice(100, 100), 7));
                    fs.add(c.writeAsync(src.slice(0, 512), remote.slice(0, 512)));
                    fs.add(c.fetchAndAddAsync(remote.slice(1024, 8), 1));
                    ExecutionException first = assertThrows(ExecutionException.class, () -> fs.get(0).get(10, TimeUnit.SECONDS));
                    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertInstanceOf(ReceiverNotReadyException.class, first.getCause());
                    long bound = (rnrRetry + 1L) * 64 * delay.toMillis() + 2000; // backoff at most 64x, plus slack
                    assertTrue(tookMs <= bound, "RNR took " + tookMs + " ms, bound " + bound);
                    for (CompletableFuture<?> f : fs.subList(1, fs.size())) {
                        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
                        assertInstanceOf(FlushedException.class, e.getCause(), "what follows a failed send flushes");
                    }
                    assertEquals(0, target.getLong(1024), "a flushed atomic ran");
                    assertEquals(0, target.getByte(0), "a flushed write landed");
                    assertFalse(c.isOpen());
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (a.isOpen() && System.nanoTime() < until) {
                        Thread.sleep(5);
                    }
                    assertFalse(a.isOpen(), "the receiver's side did not learn of the failure");
                    System.out.printf("faults: receiver never posts, rnrRetry %d: RNR_RETRY_EXC_ERR after %d ms (bound %d),"
                            + " 3 behind it flushed%n", rnrRetry, tookMs, bound);
                }
            });
        }
    }

    @Test
    void withInfiniteRetryABlockingSendTimesOutButTheMessageArrivesLater() throws Exception {
        RdmaOptions o = RdmaOptions.builder().provider("tcp").rnrRetry(7).rnrDelay(Duration.ofMillis(2))
                .operationTimeout(Duration.ofMillis(400)).build();
        pair(o, (c, a, sctx, rctx) -> {
            try (LocalMr src = sctx.allocate(256); LocalMr inbox = rctx.allocate(256)) {
                src.fill(0, 256, (byte) 3);
                assertThrows(OperationTimeoutException.class, () -> c.send(src.slice(0, 200)));
                assertThrows(MemoryInUseException.class, () -> src.putByte(0, (byte) 9), "the source stays lent");
                Received r = a.receive(inbox.slice());
                assertEquals(200, r.byteLength());
                byte[] want = new byte[200];
                java.util.Arrays.fill(want, (byte) 3);
                assertArrayEquals(want, inbox.getBytes(0, 200));
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (System.nanoTime() < until) {
                    try {
                        src.putByte(0, (byte) 9); // lent until the send completed
                        break;
                    } catch (MemoryInUseException e) {
                        Thread.sleep(2);
                    }
                }
                assertEquals(9, src.getByte(0));
                assertTrue(c.isOpen());
            }
        });
    }

    private static long crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return c.getValue();
    }

    @Test
    void slowConsumerGetsEveryMessageInOrderAndAStoppedOneIsDetected() throws Exception {
        int messages = Integer.getInteger("rdma4j.faults.slowMessages", 300);
        int slot = 128;
        RdmaOptions o = RdmaOptions.builder().provider("tcp").sendQueueDepth(16).rnrRetry(7)
                .rnrDelay(Duration.ofMillis(1)).build();
        pair(o, (c, a, sctx, rctx) -> {
            try (LocalMr src = sctx.allocate((long) messages * slot); LocalMr inbox = rctx.allocate(slot)) {
                List<CompletableFuture<Void>> sends = new ArrayList<>();
                for (int i = 0; i < messages; i++) {
                    byte[] m = new byte[slot];
                    new java.util.Random(i).nextBytes(m);
                    ByteBuffer.wrap(m).putLong(0, i).putLong(8, crc(m, 16, slot - 16));
                    src.put((long) i * slot, m);
                    sends.add(c.sendAsync(src.slice((long) i * slot, slot))); // beyond the queue depth they wait in order
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < messages; i++) {
                    if (i % 10 == 0) {
                        Thread.sleep(20); // the consumer is slow
                    }
                    Received r = a.receive(inbox.slice());
                    assertEquals(slot, r.byteLength());
                    byte[] m = inbox.getBytes(0, slot);
                    assertEquals(i, ByteBuffer.wrap(m).getLong(0), "lost, duplicated or reordered message");
                    assertEquals(ByteBuffer.wrap(m).getLong(8), crc(m, 16, slot - 16), "corrupted message");
                }
                CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
                System.out.printf("faults: slow consumer: %d messages in order and intact in %d ms, sender never failed%n",
                        messages, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
        });
        // The consumer stops for good; with finite retries the sender learns it within the bound.
        RdmaOptions finite = RdmaOptions.builder().provider("tcp").rnrRetry(3).rnrDelay(Duration.ofMillis(10)).build();
        pair(finite, (c, a, sctx, rctx) -> {
            try (LocalMr src = sctx.allocate(64L * 50); LocalMr inbox = rctx.allocate(64)) {
                List<CompletableFuture<Void>> sends = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    src.putLong((long) i * 64, i);
                    sends.add(c.sendAsync(src.slice((long) i * 64, 64)));
                }
                for (int i = 0; i < 20; i++) {
                    a.receive(inbox.slice());
                    assertEquals(i, inbox.getLong(0));
                }
                long t0 = System.nanoTime();
                int rnr = 0;
                int flushed = 0;
                for (int i = 20; i < 50; i++) {
                    try {
                        sends.get(i).get(10, TimeUnit.SECONDS);
                        throw new AssertionError("send " + i + " succeeded with no receive posted");
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof ReceiverNotReadyException) {
                            rnr++;
                        } else {
                            assertInstanceOf(FlushedException.class, e.getCause());
                            flushed++;
                        }
                    }
                }
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertEquals(1, rnr);
                assertEquals(29, flushed);
                for (int i = 0; i < 20; i++) {
                    assertTrue(sends.get(i).isDone() && !sends.get(i).isCompletedExceptionally(), "delivered send " + i);
                }
                assertTrue(ms < 2000, "the stopped consumer was detected after " + ms + " ms");
                System.out.printf("faults: consumer stopped after 20 of 50: RNR_RETRY_EXC_ERR within %d ms, 29 flushed%n", ms);
            }
        });
    }
}
