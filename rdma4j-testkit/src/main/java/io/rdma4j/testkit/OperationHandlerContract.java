package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.Access;
import io.rdma4j.Batch;
import io.rdma4j.Connection;
import io.rdma4j.ConnectionException;
import io.rdma4j.LocalMr;
import io.rdma4j.LocalSlice;
import io.rdma4j.OperationHandler;
import io.rdma4j.OperationTimeoutException;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.RdmaOptions;
import io.rdma4j.Received;
import io.rdma4j.ReceiverNotReadyException;
import io.rdma4j.RemoteMr;
import io.rdma4j.RemoteSlice;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The allocation-free forms: operations that report to a reusable {@link OperationHandler}
 * instead of a future, and reusable batches. Every send-side operation reports exactly once with
 * its value; failures reach {@code failed}; a refused operation throws and never reaches the
 * handler; a handler that throws or tries to block stops nothing else; a batch is resubmitted
 * once finished (also from its own handler) and refuses changes while in flight; and the
 * posting thread allocates nothing per operation in the steady state.
 */
public abstract class OperationHandlerContract extends ContractSupport {
    /** For a provider's subclass. */
    protected OperationHandlerContract() {}

    /** Records every call by attachment; a second call for one attachment is remembered as an error. */
    final class Recorder implements OperationHandler<Integer> {
        final Map<Integer, Object> outcomes = new ConcurrentHashMap<>(); // a Long, or the RdmaException
        final AtomicInteger calls = new AtomicInteger();
        final AtomicReference<String> twice = new AtomicReference<>();

        @Override
        public void completed(long value, Integer attachment) {
            record(attachment, value);
        }

        @Override
        public void failed(RdmaException error, Integer attachment) {
            record(attachment, error);
        }

        private void record(Integer attachment, Object outcome) {
            calls.incrementAndGet();
            if (outcomes.putIfAbsent(attachment, outcome) != null) {
                twice.compareAndSet(null, "attachment " + attachment + " was reported twice");
            }
        }

        Object outcome(int attachment) {
            eventually("the handler is called for attachment " + attachment, () -> outcomes.containsKey(attachment));
            return outcomes.get(attachment);
        }

        long value(int attachment) {
            Object o = outcome(attachment);
            if (o instanceof Throwable t) {
                throw new AssertionError("operation " + attachment + " failed: " + t, t);
            }
            return (Long) o;
        }
    }

    /** Two connected contexts, 64 KiB on each side, the server's granted to the client. */
    private record Granted(Pair pair, LocalMr dst, LocalMr src, RemoteMr remote) {}

    private Granted granted(Access access, Consumer<RdmaOptions.Builder> serverSettings,
                            Consumer<RdmaOptions.Builder> clientSettings) {
        RdmaContext server = openContext(serverSettings);
        RdmaContext client = openContext(clientSettings);
        Pair p = connect(server, client);
        LocalMr dst = allocate(server, 1 << 16);
        LocalMr src = allocate(client, 1 << 16);
        p.server().grant(dst, access, Duration.ofMinutes(1));
        return new Granted(p, dst, src, p.client().acceptGrant());
    }

    private Granted granted(Access access) {
        return granted(access, b -> {}, b -> {});
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everySendSideOperationReportsToItsHandlerOnceWithItsValue() throws Exception {
        Granted g = granted(Access.REMOTE_ALL);
        Pair p = g.pair();
        LocalMr dst = g.dst();
        LocalMr src = g.src();
        RemoteMr r = g.remote();
        byte[] written = Patterns.bytes(11, 1000);
        byte[] toRead = Patterns.bytes(12, 500);
        src.put(0, written);
        src.put(3000, Patterns.bytes(13, 64));
        src.put(4000, Patterns.bytes(14, 32));
        dst.put(20_000, toRead);
        dst.putLong(8192, 100);
        dst.putLong(8200, 7);
        CompletableFuture<Received> byWrite = p.server().receiveAsync(dst.slice(40_000, 8));
        CompletableFuture<Received> send = p.server().receiveAsync(dst.slice(41_000, 64));
        CompletableFuture<Received> sendImm = p.server().receiveAsync(dst.slice(42_000, 64));

        Recorder h = new Recorder();
        Connection c = p.client();
        c.writeAsync(src.slice(0, 1000), r.slice(0, 1000), 0, h);
        c.writeWithImmAsync(src.slice(1000, 100), r.slice(1000, 100), 5, 1, h);
        c.readAsync(src.slice(10_000, 500), r.slice(20_000, 500), 2, h);
        c.fetchAndAddAsync(r.slice(8192, 8), 5, 3, h);
        c.compareAndSwapAsync(r.slice(8200, 8), 7, 9, 4, h);
        c.sendAsync(src.slice(3000, 64), 5, h);
        c.sendWithImmAsync(src.slice(4000, 32), 66, 6, h);

        assertEquals(0, h.value(0), "a WRITE reports 0");
        assertEquals(0, h.value(1), "a WRITE with immediate reports 0");
        assertEquals(0, h.value(2), "a READ reports 0");
        assertEquals(100, h.value(3), "fetchAndAdd reports the value before");
        assertEquals(7, h.value(4), "compareAndSwap reports the value before");
        assertEquals(0, h.value(5), "a SEND reports 0");
        assertEquals(0, h.value(6), "a SEND with immediate reports 0");
        Patterns.assertHolds("the WRITE's data at the target", dst, 0, written);
        Patterns.assertHolds("the READ's data here", src, 10_000, toRead);
        assertEquals(105, dst.getLong(8192));
        assertEquals(9, dst.getLong(8200));
        assertEquals(new Received(100, true, 5, true), await(byWrite));
        assertEquals(new Received(64, false, 0, false), await(send));
        assertEquals(new Received(32, true, 66, false), await(sendImm));
        Patterns.assertHolds("the SEND's message", dst, 41_000, Patterns.bytes(13, 64));
        Thread.sleep(100); // a duplicate call would come from the same pollers, right behind
        assertNull(h.twice.get());
        assertEquals(7, h.calls.get(), "one call per operation");
        // memory reported finished is the CPU's again
        src.fill(10_000, 500, (byte) 1);
        src.fill(0, 1000, (byte) 2);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void failuresReachFailedAndRefusedOperationsThrowWithoutReachingTheHandler() throws Exception {
        Consumer<RdmaOptions.Builder> noRetry = b -> b.rnrRetry(0).rnrDelay(Duration.ofMillis(1));
        Granted g = granted(Access.REMOTE_WRITE, noRetry, noRetry);
        LocalMr src = g.src();
        RemoteMr r = g.remote();
        Recorder h = new Recorder();
        Connection c = g.pair().client();
        assertThrows(IllegalArgumentException.class, () -> c.writeAsync(src.slice(0, 10), r.slice(0, 11), 100, h));
        assertThrows(RdmaException.class, () -> c.readAsync(src.slice(0, 8), r.slice(0, 8), 101, h),
                "a READ of a write-only grant is refused before posting");
        assertThrows(NullPointerException.class, () -> c.writeAsync(src.slice(0, 8), r.slice(0, 8), 102, null));
        c.sendAsync(src.slice(0, 8), 1, h); // no receive posted: receiver not ready
        assertInstanceOf(ReceiverNotReadyException.class, h.outcome(1), "a SEND with no receive, rnrRetry 0");
        eventually("the failed connection closes", () -> !c.isOpen());
        assertThrows(ConnectionException.class, () -> c.writeAsync(src.slice(0, 8), r.slice(0, 8), 103, h),
                "a failed connection refuses new operations");
        Thread.sleep(100);
        assertEquals(1, h.calls.get(), "only the posted operation reaches the handler: " + h.outcomes);
        src.fill(0, 8, (byte) 3); // the failed SEND's source is the CPU's again
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aHandlerThatThrowsOrTriesToBlockStopsNothingElse() {
        Granted g = granted(Access.REMOTE_WRITE);
        LocalMr dst = g.dst();
        LocalMr src = g.src();
        RemoteMr r = g.remote();
        Connection c = g.pair().client();
        AtomicInteger thrown = new AtomicInteger();
        OperationHandler<Object> throwing = new OperationHandler<>() {
            @Override
            public void completed(long value, Object attachment) {
                thrown.incrementAndGet();
                throw new IllegalStateException("a handler's own bug, thrown on purpose by the test");
            }

            @Override
            public void failed(RdmaException error, Object attachment) {
                thrown.incrementAndGet();
                throw new IllegalStateException("a handler's own bug", error);
            }
        };
        AtomicReference<Throwable> blockedWith = new AtomicReference<>();
        OperationHandler<Object> blocking = new OperationHandler<>() {
            @Override
            public void completed(long value, Object attachment) {
                try {
                    c.write(src.slice(100, 8), r.slice(100, 8));
                    blockedWith.set(new AssertionError("a blocking write ran inside a handler"));
                } catch (RuntimeException e) {
                    blockedWith.set(e);
                }
            }

            @Override
            public void failed(RdmaException error, Object attachment) {
                blockedWith.set(error);
            }
        };
        Recorder h = new Recorder();
        for (int i = 0; i < 50; i++) {
            if (i % 10 == 0) { // each throw is logged with its stack trace
                c.writeAsync(src.slice(0, 8), r.slice(0, 8), null, throwing);
            }
            c.writeAsync(src.slice(8, 8), r.slice(8, 8), i, h);
        }
        c.writeAsync(src.slice(16, 8), r.slice(16, 8), null, blocking);
        for (int i = 0; i < 50; i++) {
            assertEquals(0, h.value(i));
        }
        eventually("every throwing handler was called", () -> thrown.get() == 5);
        eventually("the blocking handler was called", () -> blockedWith.get() != null);
        assertInstanceOf(IllegalStateException.class, blockedWith.get(), "a blocking call inside a handler");
        assertTrue(c.isOpen(), "handlers that throw do not break the connection");
        src.putLong(200, 42);
        c.write(src.slice(200, 8), r.slice(200, 8));
        assertEquals(42, dst.getLong(200));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBatchIsReusableOnceItsSubmissionFinishedAlsoFromItsHandler() {
        Granted g = granted(Access.REMOTE_ALL);
        LocalMr dst = g.dst();
        LocalMr src = g.src();
        RemoteMr r = g.remote();
        Batch b = g.pair().client().batch()
                .fetchAndAdd(src.slice(0, 8), r.slice(0, 8), 1)
                .write(src.slice(64, 64), r.slice(64, 64));
        src.put(64, Patterns.bytes(21, 64));
        b.submit();
        assertFalse(b.inFlight());
        b.submit(); // the same requests again
        assertEquals(2, dst.getLong(0), "two submissions of one fetchAndAdd");
        assertEquals(1, src.getLong(0), "the second one saw the first's sum");
        Patterns.assertHolds("the batch's WRITE", dst, 64, Patterns.bytes(21, 64));

        // resubmitted from its own handler, as a pipeline would
        int rounds = 20;
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        OperationHandler<Batch> again = new OperationHandler<>() {
            @Override
            public void completed(long value, Batch batch) {
                if (done.incrementAndGet() < rounds) {
                    try {
                        batch.submitAsync(batch, this);
                    } catch (RuntimeException e) {
                        failure.set(e);
                    }
                }
            }

            @Override
            public void failed(RdmaException error, Batch batch) {
                failure.set(error);
            }
        };
        b.submitAsync(b, again);
        eventually("the batch ran " + rounds + " times", () -> done.get() == rounds || failure.get() != null);
        assertNull(failure.get());
        eventually("the last submission is finished", () -> !b.inFlight());
        assertEquals(2 + rounds, dst.getLong(0));

        assertEquals(2, b.size());
        b.clear();
        assertEquals(0, b.size());
        b.submit(); // empty: nothing posted, nothing to wait for
        CompletableFuture<Void> empty = b.submitAsync();
        assertTrue(empty.isDone());
        b.write(src.slice(64, 8), r.slice(200, 8)).submit();
        assertEquals(src.getLong(64), dst.getLong(200));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBatchInFlightRefusesChangesAndSubmissionsUntilAwaitSeesItFinishAndARefusedOneIsNotInFlight() {
        // rnrRetry 7: a SEND stays in flight until the peer posts a receive
        Granted g = granted(Access.REMOTE_WRITE, b -> b.rnrRetry(7).rnrDelay(Duration.ofMillis(2)),
                b -> b.rnrRetry(7).rnrDelay(Duration.ofMillis(2)).operationTimeout(Duration.ofMillis(300)));
        Pair p = g.pair();
        LocalMr dst = g.dst();
        LocalMr src = g.src();
        RemoteMr r = g.remote();
        Recorder h = new Recorder();
        Batch b = p.client().batch().send(src.slice(0, 8));
        b.submitAsync(1, h);
        assertThrows(OperationTimeoutException.class, b::await, "await gives up after the operation timeout");
        assertTrue(b.inFlight(), "a SEND waiting for a receive keeps its batch in flight");
        assertThrows(IllegalStateException.class, () -> b.write(src.slice(8, 8), r.slice(0, 8)));
        assertThrows(IllegalStateException.class, b::clear);
        assertThrows(IllegalStateException.class, b::submit);
        assertThrows(IllegalStateException.class, b::submitAsync);
        assertThrows(IllegalStateException.class, () -> b.submitAsync(2, h));
        assertEquals(1, b.size());
        CompletableFuture<Received> rcv = p.server().receiveAsync(dst.slice(0, 64));
        b.await();
        assertFalse(b.inFlight(), "await returned with the batch in flight");
        assertEquals(0, h.value(1));
        assertEquals(8, await(rcv).byteLength());
        b.await(); // none in flight: returns at once
        assertEquals(1, h.calls.get(), "the refused submissions never reached the handler");

        Batch bad = p.client().batch().write(src.slice(0, 10), r.slice(0, 11));
        assertThrows(IllegalArgumentException.class, () -> bad.submitAsync(3, h));
        assertFalse(bad.inFlight(), "a refused batch posted nothing");
        bad.clear().write(src.slice(0, 10), r.slice(100, 10)).submitAsync(4, h);
        assertEquals(0, h.value(4));
        assertFalse(h.outcomes.containsKey(3));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void handlerOperationsAResubmittedBatchAndBlockingCallsAllocateNothingOnThePostingThread() {
        Granted g = granted(Access.REMOTE_WRITE);
        LocalMr src = g.src();
        RemoteMr r = g.remote();
        Connection c = g.pair().client();
        LocalSlice from = src.slice(0, 64);
        RemoteSlice to = r.slice(0, 64);
        AtomicLong done = new AtomicLong();
        AtomicReference<RdmaException> failure = new AtomicReference<>();
        OperationHandler<Object> counter = new OperationHandler<>() {
            @Override
            public void completed(long value, Object attachment) {
                done.incrementAndGet();
            }

            @Override
            public void failed(RdmaException error, Object attachment) {
                failure.compareAndSet(null, error);
                done.incrementAndGet();
            }
        };
        Batch b = c.batch().write(from, to).write(src.slice(64, 64), r.slice(64, 64)).write(from, r.slice(128, 64));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        int warmup = 5000;
        int measured = 5000;
        long posted = 0;
        long before = 0;
        for (int i = 0; i < warmup + measured; i++) {
            if (i == warmup) {
                before = mx.getThreadAllocatedBytes(tid);
            }
            while (posted - done.get() >= 8) {
                Thread.onSpinWait();
            }
            posted++;
            c.writeAsync(from, to, null, counter);
        }
        long single = mx.getThreadAllocatedBytes(tid) - before;
        for (int i = 0; i < warmup + measured; i++) {
            if (i == warmup) {
                before = mx.getThreadAllocatedBytes(tid);
            }
            if ((i & 1) == 0) {
                b.await(); // polls on this thread where blocking calls do
            } else {
                while (b.inFlight()) { // resubmits while the last one may still be reporting
                    Thread.onSpinWait();
                }
            }
            posted++;
            b.submitAsync(null, counter);
        }
        long batched = mx.getThreadAllocatedBytes(tid) - before;
        b.await();
        for (int i = 0; i < warmup + measured; i++) {
            if (i == warmup) {
                before = mx.getThreadAllocatedBytes(tid);
            }
            c.write(from, to); // reports to the thread's reusable target, polling here where callers poll
        }
        long blocking = mx.getThreadAllocatedBytes(tid) - before;
        long expected = posted;
        eventually("every operation reported", () -> done.get() == expected);
        assertNull(failure.get());
        System.out.println("posting thread: " + single + " B over " + measured + " handler writes, " + batched
                + " B over " + measured + " submissions of a 3-write batch, " + blocking + " B over " + measured
                + " blocking writes");
        assertTrue(single < measured, single + " bytes allocated by " + measured + " handler writes: the post allocates");
        assertTrue(batched < measured, batched + " bytes allocated by " + measured + " batch submissions: the post allocates");
        assertTrue(blocking < measured, blocking + " bytes allocated by " + measured + " blocking writes: the call allocates");
    }
}
