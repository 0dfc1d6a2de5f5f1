package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.ConnectionClosedException;
import io.rdma4j.FlushedException;
import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.Received;
import io.rdma4j.ReceiverNotReadyException;
import io.rdma4j.RemoteMr;
import io.rdma4j.WcStatus;
import io.rdma4j.WorkCompletionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two-sided messaging: receiver-not-ready as documented ({@code rnrRetry} 0..6 fails the SEND
 * with {@link ReceiverNotReadyException}; 7 retries until a receive is posted), immediates
 * delivered with the receive, receives consumed in order, a message longer than its receive
 * failing, and the error state after a failure (later operations flush, new ones are refused).
 */
public abstract class MessagingContract extends ContractSupport {
    /** For a provider's subclass. */
    protected MessagingContract() {}


    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sendWithoutAReceiveFailsWithReceiverNotReadyWhenRetriesAreFinite() {
        RdmaContext server = openContext(b -> b.rnrRetry(1).rnrDelay(Duration.ofMillis(5)));
        RdmaContext client = openContext(b -> b.rnrRetry(1).rnrDelay(Duration.ofMillis(5)));
        Pair p = connect(server, client);
        LocalMr src = allocate(client, 4096);
        src.put(0, Patterns.bytes(1, 4096));
        long t0 = System.nanoTime();
        Throwable e = awaitFailure(p.client().sendAsync(src.slice(0, 100)));
        assertInstanceOf(ReceiverNotReadyException.class, e, "a SEND with no receive posted");
        assertEquals(WcStatus.RNR_RETRY_EXC_ERR, ((WorkCompletionException) e).status());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10),
                "one retry 5 ms apart should fail fast, took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThrows(ReceiverNotReadyException.class, () -> {
            throw (RuntimeException) e;
        });
        // the blocking form throws the same
        RdmaContext s2 = openContext(b -> b.rnrRetry(0).rnrDelay(Duration.ofMillis(1)));
        RdmaContext c2 = openContext(b -> b.rnrRetry(0).rnrDelay(Duration.ofMillis(1)));
        Pair p2 = connect(s2, c2);
        LocalMr src2 = allocate(c2, 64);
        assertThrows(ReceiverNotReadyException.class, () -> p2.client().sendWithImm(src2.slice(0, 64), 5));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sendWaitsForAReceiveWhenRetriesAreInfinite() throws Exception {
        RdmaContext server = openContext(b -> b.rnrRetry(7).rnrDelay(Duration.ofMillis(2)));
        RdmaContext client = openContext(b -> b.rnrRetry(7).rnrDelay(Duration.ofMillis(2)));
        Pair p = connect(server, client);
        LocalMr src = allocate(client, 4096);
        LocalMr dst = allocate(server, 4096);
        byte[] data = Patterns.bytes(2, 3000);
        src.put(7, data);
        CompletableFuture<Void> send = p.client().sendWithImmAsync(src.slice(7, 3000), 77);
        Thread.sleep(500);
        assertFalse(send.isDone(), "with rnrRetry 7 a SEND waits for a receive, but it completed: " + send);
        CompletableFuture<Received> rcv = p.server().receiveAsync(dst.slice(1, 4000));
        await(send);
        assertEquals(new Received(3000, true, 77, false), await(rcv));
        Patterns.assertHolds("a SEND that waited for its receive", dst, 1, data);
        // and a WRITE with immediate waits the same way
        p.server().grant(dst, Access.REMOTE_WRITE, Duration.ofMinutes(1));
        RemoteMr r = p.client().acceptGrant();
        CompletableFuture<Void> wi = p.client().writeWithImmAsync(src.slice(7, 100), r.slice(2000, 100), -3);
        Thread.sleep(300);
        assertFalse(wi.isDone(), "a WRITE with immediate needs a receive too");
        CompletableFuture<Received> rcv2 = p.server().receiveAsync(dst.slice(3000, 8));
        await(wi);
        assertEquals(new Received(100, true, -3, true), await(rcv2));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void receivesAreConsumedInOrderAndImmediatesDelivered() {
        RdmaContext server = openContext();
        RdmaContext client = openContext();
        Pair p = connect(server, client);
        LocalMr src = allocate(client, 1 << 16);
        LocalMr dst = allocate(server, 1 << 16);
        int n = 100;
        List<CompletableFuture<Received>> rcvs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rcvs.add(p.server().receiveAsync(dst.slice(i * 256L, 256)));
        }
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            src.put(i * 256L, Patterns.bytes(i, 1 + i));
            if (i % 3 == 0) {
                sends.add(p.client().sendAsync(src.slice(i * 256L, 1 + i)));
            } else {
                sends.add(p.client().sendWithImmAsync(src.slice(i * 256L, 1 + i), i * 0x01010101));
            }
        }
        sends.forEach(this::await);
        for (int i = 0; i < n; i++) {
            Received r = await(rcvs.get(i));
            boolean imm = i % 3 != 0;
            assertEquals(new Received(1 + i, imm, imm ? i * 0x01010101 : 0, false), r, "receive " + i);
            Patterns.assertHolds("message " + i + " in receive " + i, dst, i * 256L, Patterns.bytes(i, 1 + i));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aOneByteSendWithImmediateDeliversBoth() {
        RdmaContext server = openContext();
        RdmaContext client = openContext();
        Pair p = connect(server, client);
        LocalMr src = allocate(client, 64);
        LocalMr dst = allocate(server, 64);
        src.putByte(0, (byte) 42);
        CompletableFuture<Received> rcv = p.server().receiveAsync(dst.slice(0, 64));
        p.client().sendWithImm(src.slice(0, 1), 0xCAFE);
        assertEquals(new Received(1, true, 0xCAFE, false), await(rcv));
        assertEquals(42, dst.getByte(0));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMessageLongerThanItsReceiveFailsBothSidesAndLaterOperationsFlush() {
        RdmaContext server = openContext();
        RdmaContext client = openContext();
        Pair p = connect(server, client);
        LocalMr src = allocate(client, 8192);
        LocalMr dst = allocate(server, 8192);
        dst.fill(0, 8192, (byte) 9);
        CompletableFuture<Received> small = p.server().receiveAsync(dst.slice(0, 100));
        CompletableFuture<Void> tooBig = p.client().sendAsync(src.slice(0, 101));
        Throwable recvErr = awaitFailure(small);
        assertInstanceOf(WorkCompletionException.class, recvErr, "the receive too small for its message");
        Throwable sendErr = awaitFailure(tooBig);
        assertInstanceOf(RdmaException.class, sendErr, "the SEND too long for the receive");
        Patterns.assertFilled("bytes past a too-small receive", dst, 100, 8092, (byte) 9);
        // RC: the connection is in error; what comes after fails and nothing new is accepted
        eventually("the failed connection reports itself closed", () -> !p.client().isOpen());
        assertThrows(ConnectionClosedException.class, () -> p.client().send(src.slice(0, 8)));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFailedOperationFailsEverythingQueuedBehindIt() {
        // one retry 200 ms later: the SEND fails only after everything below is posted behind it
        RdmaContext server = openContext(b -> b.rnrRetry(1).rnrDelay(Duration.ofMillis(200)));
        RdmaContext client = openContext(b -> b.rnrRetry(1).rnrDelay(Duration.ofMillis(200)).sendQueueDepth(4).receiveQueueDepth(4));
        Pair p = connect(server, client);
        LocalMr src = allocate(client, 1 << 20);
        LocalMr dst = allocate(server, 1 << 20);
        p.server().grant(dst, Access.REMOTE_ALL, Duration.ofMinutes(1));
        RemoteMr r = p.client().acceptGrant();
        CompletableFuture<Void> send = p.client().sendAsync(src.slice(0, 8)); // no receive: fails with RNR
        List<CompletableFuture<?>> behind = new ArrayList<>();
        int refusedAtPost = 0;
        for (int i = 0; i < 40; i++) { // more than the send queue holds: most wait in the queue
            try {
                behind.add(p.client().writeAsync(src.slice(1024L * i, 1024), r.slice(1024L * i, 1024)));
            } catch (ConnectionClosedException e) {
                refusedAtPost++; // the failure came back already: the connection refuses new work
            }
        }
        assertInstanceOf(ReceiverNotReadyException.class, awaitFailure(send));
        int failedBehind = 0;
        for (CompletableFuture<?> f : behind) {
            try {
                f.get(patience().toMillis(), TimeUnit.MILLISECONDS);
                if (failedBehind > 0) {
                    throw new AssertionError("a WRITE succeeded after one behind the failed SEND had failed");
                }
            } catch (java.util.concurrent.ExecutionException e) {
                failedBehind++;
                assertTrue(e.getCause() instanceof FlushedException || e.getCause() instanceof ConnectionClosedException,
                        "an operation behind a failed one fails flushed or closed, not " + e.getCause());
            } catch (Exception e) {
                throw new AssertionError("an operation behind a failed one never completed", e);
            }
        }
        assertEquals(40 - refusedAtPost, failedBehind, "every WRITE posted behind a failing SEND must fail (RC: the queue flushes)");
        assertFalse(p.client().isOpen());
        assertThrows(ConnectionClosedException.class, () -> p.client().write(src.slice(0, 8), r.slice(0, 8)));
    }

    private record RetryingPair(Pair pair, LocalMr src, LocalMr dst) {}

    /**
     * A connected pair whose SENDs retry without limit until the peer posts a receive (RNR retry
     * 7), the client's blocking calls giving up after {@code timeout}; {@code bytes} of memory
     * on each side.
     */
    private RetryingPair retryingUntilReceived(Duration timeout, long bytes) {
        RdmaContext server = openContext(b -> b.rnrRetry(7).rnrDelay(Duration.ofMillis(2)));
        RdmaContext client = openContext(b -> b.rnrRetry(7).rnrDelay(Duration.ofMillis(2)).operationTimeout(timeout));
        return new RetryingPair(connect(server, client), allocate(client, bytes), allocate(server, bytes));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBlockingCallTimesOutButItsOperationContinues() throws Exception {
        RetryingPair r = retryingUntilReceived(Duration.ofMillis(400), 64);
        Pair p = r.pair();
        LocalMr src = r.src();
        LocalMr dst = r.dst();
        src.putLong(0, 0xFEED);
        long t0 = System.nanoTime();
        assertThrows(io.rdma4j.OperationTimeoutException.class, () -> p.client().send(src.slice(0, 8)));
        long took = System.nanoTime() - t0;
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(350) && took < TimeUnit.SECONDS.toNanos(10),
                "a 400 ms timeout took " + took / 1_000_000 + " ms");
        // the SEND is still in flight: its source stays lent
        assertThrows(io.rdma4j.MemoryInUseException.class, () -> src.putLong(0, 1));
        assertTrue(p.client().isOpen(), "a timed-out blocking call does not break the connection");
        CompletableFuture<Received> rcv = p.server().receiveAsync(dst.slice(0, 64));
        assertEquals(8, await(rcv).byteLength());
        assertEquals(0xFEED, dst.getLong(0));
        eventually("the source is the CPU's again once the SEND completed", () -> {
            try {
                src.putLong(0, 1);
                return true;
            } catch (io.rdma4j.MemoryInUseException e) {
                return false;
            }
        });
    }

    /**
     * A thread's blocking calls share one reusable completion target; a call that timed out
     * must give it up, or its operation's late completion would end the thread's next call early.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTimedOutCallsLateCompletionDoesNotEndTheThreadsNextCall() throws Exception {
        RetryingPair r = retryingUntilReceived(Duration.ofMillis(1000), 128);
        r.src().putLong(0, 0xAAAA);
        r.src().putLong(64, 0xBBBB);
        assertThrows(io.rdma4j.OperationTimeoutException.class, () -> r.pair().client().send(r.src().slice(0, 8)), "no receive posted");
        // While this thread waits in its next call, the first SEND gets a receive and completes.
        CompletableFuture<Received> first = new CompletableFuture<>();
        Thread poster = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(200);
                first.complete(await(r.pair().server().receiveAsync(r.dst().slice(0, 64))));
            } catch (Throwable t) {
                first.completeExceptionally(t);
            }
        });
        long t0 = System.nanoTime();
        assertThrows(io.rdma4j.OperationTimeoutException.class, () -> r.pair().client().send(r.src().slice(64, 8)),
                "the second SEND has no receive either: the first one's completion must not end its wait");
        long took = System.nanoTime() - t0;
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(900), "the second call waited only " + took / 1_000_000 + " ms");
        poster.join();
        assertEquals(8, first.get(10, TimeUnit.SECONDS).byteLength());
        assertEquals(0xAAAA, r.dst().getLong(0), "the first SEND landed in the first receive");
        assertEquals(8, await(r.pair().server().receiveAsync(r.dst().slice(64, 64))).byteLength());
        assertEquals(0xBBBB, r.dst().getLong(64), "the second SEND lands once a receive is posted for it");
        // and the thread's calls work as before afterwards
        CompletableFuture<Received> third = r.pair().server().receiveAsync(r.dst().slice(0, 64));
        r.pair().client().send(r.src().slice(64, 8));
        assertEquals(8, await(third).byteLength());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void postingMoreReceivesThanTheQueueHoldsIsRefusedClearly() {
        RdmaContext server = openContext(b -> b.receiveQueueDepth(8));
        RdmaContext client = openContext();
        Pair p = connect(server, client);
        LocalMr dst = allocate(server, 4096);
        List<CompletableFuture<Received>> posted = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            posted.add(p.server().receiveAsync(dst.slice(64L * i, 64)));
        }
        assertThrows(RdmaException.class, () -> p.server().receiveAsync(dst.slice(1024, 64)), "a ninth receive on a queue of 8");
        assertTrue(p.server().isOpen(), "a refused receive does not break the connection");
        LocalMr src = allocate(client, 64);
        p.client().send(src.slice(0, 8));
        assertEquals(8, await(posted.getFirst()).byteLength());
        posted.add(p.server().receiveAsync(dst.slice(1024, 64))); // room again
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFailedBatchReleasesEveryEntry() {
        RdmaContext server = openContext(b -> b.rnrRetry(0).rnrDelay(Duration.ofMillis(1)));
        RdmaContext client = openContext(b -> b.rnrRetry(0).rnrDelay(Duration.ofMillis(1)));
        Pair p = connect(server, client);
        LocalMr dst = allocate(server, 1 << 16);
        p.server().grant(dst, Access.REMOTE_ALL, Duration.ofMinutes(1));
        RemoteMr r = p.client().acceptGrant();
        LocalMr src = allocate(client, 1 << 16);
        Throwable e = awaitFailure(p.client().batch()
                .write(src.slice(0, 1000), r.slice(0, 1000))
                .send(src.slice(1000, 8)) // no receive posted: receiver not ready
                .read(src.slice(2000, 1000), r.slice(0, 1000))
                .fetchAndAdd(src.slice(4000, 8), r.slice(4096, 8), 1)
                .submitAsync());
        assertInstanceOf(ReceiverNotReadyException.class, e, "a batch fails with its first failure");
        // every entry has finished: all its memory is the CPU's again
        src.fill(0, 8192, (byte) 1);
        assertEquals(1, src.getByte(2000));
        assertEquals(1, src.getByte(4000));
        assertFalse(p.client().isOpen());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void zeroLengthMessagesCarryTheirImmediate() {
        // a 0-byte WRITE with immediate is the usual RDMA doorbell: "data is there"
        RdmaContext server = openContext();
        RdmaContext client = openContext();
        Pair p = connect(server, client);
        LocalMr dst = allocate(server, 4096);
        LocalMr src = allocate(client, 4096);
        p.server().grant(dst, Access.REMOTE_WRITE, Duration.ofMinutes(1));
        RemoteMr r = p.client().acceptGrant();
        dst.fill(0, 4096, (byte) 7);
        CompletableFuture<Received> r1 = p.server().receiveAsync(dst.slice(0, 64));
        CompletableFuture<Received> r2 = p.server().receiveAsync(dst.slice(64, 64));
        CompletableFuture<Received> r3 = p.server().receiveAsync(dst.slice(128, 64));
        p.client().writeWithImm(src.slice(0, 0), r.slice(100, 0), 41);
        p.client().sendWithImm(src.slice(0, 0), 42);
        p.client().send(src.slice(0, 0));
        assertEquals(new Received(0, true, 41, true), await(r1));
        assertEquals(new Received(0, true, 42, false), await(r2));
        assertEquals(new Received(0, false, 0, false), await(r3));
        Patterns.assertFilled("memory around zero-length messages", dst, 0, 4096, (byte) 7);
        p.client().write(src.slice(5, 0), r.slice(4096, 0)); // a 0-byte WRITE at the very end of a grant
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSendWaitingForAReceiveFailsWhenEitherSideCloses() {
        for (boolean receiverCloses : new boolean[] {true, false}) {
            RdmaContext server = openContext(b -> b.rnrRetry(7).rnrDelay(Duration.ofMillis(2)));
            RdmaContext client = openContext(b -> b.rnrRetry(7).rnrDelay(Duration.ofMillis(2)));
            Pair p = connect(server, client);
            LocalMr src = allocate(client, 64);
            CompletableFuture<Void> send = p.client().sendAsync(src.slice(0, 64));
            CompletableFuture<Void> behind = p.client().sendAsync(src.slice(0, 8));
            assertFalse(send.isDone());
            (receiverCloses ? p.server() : p.client()).close();
            String who = receiverCloses ? "the receiver" : "the sender";
            assertInstanceOf(RdmaException.class, awaitFailure(send), "a SEND waiting for a receive when " + who + " closes");
            assertInstanceOf(RdmaException.class, awaitFailure(behind), "a SEND queued behind it");
            src.putByte(0, (byte) 1); // no longer lent
        }
    }
}
