package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.LocalSlice;
import io.rdma4j.LocalMr;
import io.rdma4j.OperationTimeoutException;
import io.rdma4j.PollMode;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import io.rdma4j.RemoteSlice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Blocking calls and {@link io.rdma4j.Connection#await} in every {@link PollMode}. Where the
 * waiting thread polls the completion queue itself (always in BUSY; in ADAPTIVE on providers
 * whose completions need no thread of theirs, for a bounded time), it also delivers other
 * threads' completions, hands the polling back to the poller when it stops (done, out of
 * budget, interrupted), refuses to block inside a callback it runs, and never polls a queue
 * that closing the context frees.
 */
public abstract class BlockingCallsContract extends ContractSupport {
    /** For a provider's subclass. */
    protected BlockingCallsContract() {}

    private static final Duration LEASE = Duration.ofMinutes(10);

    /** Two contexts in {@code mode}, connected; the client holds a grant of 64 KiB of the server's. */
    private record Setup(RdmaContext serverContext, Pair pair, LocalMr serverMem, RemoteMr remote, LocalMr clientMem) {}

    private Setup setup(PollMode mode) {
        RdmaContext server = openContext(b -> b.pollMode(mode));
        RdmaContext client = openContext(b -> b.pollMode(mode));
        Pair p = connect(server, client);
        LocalMr serverMem = allocate(server, 64 << 10);
        p.server().grant(serverMem.slice(), Access.REMOTE_ALL, LEASE);
        RemoteMr remote = p.client().acceptGrant();
        return new Setup(server, p, serverMem, remote, allocate(client, 64 << 10));
    }

    /** A platform thread blocked in {@code receive}, and how that call ended. */
    private static final class Waiter {
        final Thread thread;
        /** What {@code receive} returned or threw; null while it waits. */
        volatile Object outcome;
        /** Whether the thread's interrupt flag was set when the call threw. */
        volatile boolean interruptedWhenThrown;

        Waiter(Connection c, LocalSlice into, String name) {
            thread = Thread.ofPlatform().name(name).start(() -> {
                try {
                    outcome = c.receive(into);
                } catch (Throwable t) {
                    interruptedWhenThrown = Thread.currentThread().isInterrupted();
                    outcome = t;
                }
            });
        }
    }

    private static Waiter receiveOn(Connection c, LocalSlice into, String name) {
        return new Waiter(c, into, name);
    }

    /**
     * {@code count} async writes of {@code size} bytes (pattern {@code seed + i}) from the
     * client to the server's memory at {@code at}, each awaited and checked there.
     */
    private void asyncWritesLand(Setup s, int count, int size, int at, int seed, String what) {
        for (int i = 0; i < count; i++) {
            byte[] data = Patterns.bytes(seed + i, size);
            s.clientMem().put(0, data);
            await(s.pair().client().writeAsync(s.clientMem().slice(0, size), s.remote().slice(at, size)));
            Patterns.assertHolds(what + ", write " + i, s.serverMem(), at, data);
        }
    }

    /** Waits {@link #patience()} for a waiter's call to end, or fails the test. */
    private void join(Waiter w, String what) throws InterruptedException {
        w.thread.join(patience().toMillis());
        if (w.thread.isAlive()) {
            fail(what + " did not return");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void blockingCallsReturnTheirResultsInEveryPollMode() {
        for (PollMode mode : PollMode.values()) {
            Setup s = setup(mode);
            var c = s.pair().client();
            for (int i = 0; i < 100; i++) {
                byte[] data = Patterns.bytes(i, 64);
                s.clientMem().put(0, data);
                c.write(s.clientMem().slice(0, 64), s.remote().slice(128, 64));
                c.read(s.clientMem().slice(4096, 64), s.remote().slice(128, 64));
                Patterns.assertHolds(mode + ": a blocking read of a blocking write, round " + i, s.clientMem(), 4096, data);
                assertEquals(i, c.fetchAndAdd(s.remote().slice(0, 8), 1), mode + ": fetch-and-add, round " + i);
                assertEquals(i + 1, c.compareAndSwap(s.remote().slice(0, 8), i + 1, i + 1), mode + ": compare-and-swap");
                c.batch().write(s.clientMem().slice(0, 8), s.remote().slice(8, 8))
                        .read(s.clientMem().slice(8192, 8), s.remote().slice(8, 8)).submit();
                Patterns.assertHolds(mode + ": a blocking batch, round " + i, s.clientMem(), 8192, java.util.Arrays.copyOf(data, 8));
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aBlockedReceiverDeliversOtherThreadsCompletionsAndWaitsAsLongAsItTakes() throws Exception {
        for (PollMode mode : PollMode.values()) {
            Setup s = setup(mode);
            var server = s.pair().server();
            var client = s.pair().client();
            LocalMr inbox = allocate(s.serverContext(), 4096);
            Waiter receiver = receiveOn(server, inbox.slice(0, 4096), "blocked-receiver");
            // while it waits (longer than a caller polls in ADAPTIVE), other threads' work completes
            Thread.sleep(300);
            asyncWritesLand(s, 50, 256, 512, 1000, mode + ": a write while a receiver is blocked");
            assertTrue(receiver.thread.isAlive(), mode + ": the receiver returned before anything was sent: " + receiver.outcome);
            byte[] msg = Patterns.bytes(77, 999);
            s.clientMem().put(1024, msg);
            client.send(s.clientMem().slice(1024, 999));
            join(receiver, mode + ": the blocked receive, after the send,");
            assertEquals(new Received(999, false, 0, false), receiver.outcome, mode + ": what the blocked receive returned");
            Patterns.assertHolds(mode + ": the message", inbox, 0, msg);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anInterruptedWaiterLeavesThePollingToThePoller() throws Exception {
        for (PollMode mode : PollMode.values()) {
            Setup s = setup(mode);
            var server = s.pair().server();
            var client = s.pair().client();
            LocalMr inbox = allocate(s.serverContext(), 4096);
            Waiter receiver = receiveOn(server, inbox.slice(0, 2048), "interrupted-receiver");
            Thread.sleep(100);
            receiver.thread.interrupt();
            join(receiver, mode + ": an interrupted blocking receive");
            assertInstanceOf(RdmaException.class, receiver.outcome, mode + ": what the interrupted receive threw");
            assertTrue(receiver.interruptedWhenThrown, mode + ": the interrupt flag is kept");
            // nobody polls on a caller's thread now: the poller must deliver (its receive stays
            // posted and takes the next message; then a new one takes the one after)
            for (int i = 0; i < 20; i++) {
                await(client.writeAsync(s.clientMem().slice(0, 64), s.remote().slice(0, 64)));
            }
            s.clientMem().put(0, Patterns.bytes(5, 100));
            await(client.sendAsync(s.clientMem().slice(0, 100)));
            CompletableFuture<Received> next = server.receiveAsync(inbox.slice(2048, 2048));
            await(client.sendAsync(s.clientMem().slice(0, 50)));
            assertEquals(50, await(next).byteLength(), mode + ": the receive after the abandoned one");
            Patterns.assertHolds(mode + ": the abandoned receive still took the first message", inbox, 0, Patterns.bytes(5, 100));
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void blockingCallsRefusedBeforePostingLeaveThePollingToThePoller() throws Exception {
        for (PollMode mode : PollMode.values()) {
            Setup s = setup(mode);
            var c = s.pair().client();
            // A blocking call counts its thread in as a polling caller before it posts, and the
            // poller stays parked while any caller is counted in: a refused call must count out.
            for (int i = 0; i < 3; i++) {
                assertThrows(IllegalArgumentException.class, () -> c.write(s.clientMem().slice(0, 8), s.remote().slice(0, 16)),
                        mode + ": a blocking write of unequal lengths");
                assertThrows(IllegalArgumentException.class, () -> c.fetchAndAdd(s.remote().slice(4, 8), 1),
                        mode + ": a blocking fetch-and-add at an unaligned address");
                assertThrows(IllegalArgumentException.class, () -> c.receive(s.serverMem().slice(0, 64)),
                        mode + ": a blocking receive into another context's memory");
                assertThrows(IllegalArgumentException.class,
                        () -> c.batch().write(s.clientMem().slice(0, 8), s.remote().slice(0, 16)).submit(),
                        mode + ": a blocking batch of unequal lengths");
            }
            // nobody polls on a caller's thread now: the poller must deliver
            asyncWritesLand(s, 20, 64, 256, 300, mode + ": an async write after the refused calls");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void workLeftOutstandingByABlockingCallThatGotItsResultIsStillDelivered() {
        for (PollMode mode : PollMode.values()) {
            Setup s = setup(mode);
            var server = s.pair().server();
            var client = s.pair().client();
            LocalMr serverOut = allocate(s.serverContext(), 4096);
            // A caller that got its result leaves without waking the poller (the thread that
            // posted usually comes back to wait); the receive it leaves posted, and the async
            // write after it, have no caller: the poller must take them over by itself.
            for (int i = 0; i < 50; i++) {
                CompletableFuture<Received> received = client.receiveAsync(s.clientMem().slice(16384, 1024));
                client.write(s.clientMem().slice(0, 64), s.remote().slice(0, 64));
                byte[] data = Patterns.bytes(400 + i, 128);
                s.clientMem().put(256, data);
                await(client.writeAsync(s.clientMem().slice(256, 128), s.remote().slice(1024, 128)));
                Patterns.assertHolds(mode + ": an async write right after a blocking one, round " + i, s.serverMem(), 1024, data);
                byte[] msg = Patterns.bytes(900 + i, 100 + i);
                serverOut.put(0, msg);
                server.send(serverOut.slice(0, msg.length));
                assertEquals(msg.length, await(received).byteLength(), mode + ": the receive left posted, round " + i);
                Patterns.assertHolds(mode + ": the message, round " + i, s.clientMem(), 16384, msg);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void workLeftAfterALongRunOfBlockingCallsIsStillDelivered() throws InterruptedException {
        for (PollMode mode : PollMode.values()) {
            Setup s = setup(mode);
            var server = s.pair().server();
            var client = s.pair().client();
            LocalMr serverOut = allocate(s.serverContext(), 4096);
            LocalSlice from = s.clientMem().slice(0, 64);
            RemoteSlice to = s.remote().slice(0, 64);
            // A run of blocking calls, with nothing else posted, lets the poller sleep long while
            // the callers poll; whatever leaves work that only the poller would then deliver must
            // wake it: an async post by the same thread, and a blocking call that leaves behind
            // a receive another thread posted while it polled.
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 300; i++) {
                    client.write(from, to);
                }
                byte[] data = Patterns.bytes(700 + round, 128);
                s.clientMem().put(256, data);
                await(client.writeAsync(s.clientMem().slice(256, 128), s.remote().slice(1024, 128)));
                Patterns.assertHolds(mode + ": an async write after a run of blocking calls, round " + round,
                        s.serverMem(), 1024, data);

                CompletableFuture<CompletableFuture<Received>> posted = new CompletableFuture<>();
                Thread other = Thread.ofPlatform().name("posts-a-receive").start(() -> {
                    try {
                        posted.complete(client.receiveAsync(s.clientMem().slice(16384, 1024)));
                    } catch (RuntimeException e) {
                        posted.completeExceptionally(e);
                    }
                });
                for (int i = 0; !posted.isDone() || i < 300; i++) {
                    client.write(from, to);
                }
                CompletableFuture<Received> received = await(posted);
                byte[] msg = Patterns.bytes(800 + round, 100 + round);
                serverOut.put(0, msg);
                server.send(serverOut.slice(0, msg.length));
                assertEquals(msg.length, await(received).byteLength(),
                        mode + ": a receive another thread posted during a run of blocking calls, round " + round);
                Patterns.assertHolds(mode + ": the message, round " + round, s.clientMem(), 16384, msg);
                other.join(patience().toMillis());
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aBlockingCallGivesUpAfterTheOperationTimeoutInEveryPollMode() {
        Duration timeout = Duration.ofSeconds(1);
        for (PollMode mode : PollMode.values()) {
            RdmaContext server = openContext(b -> b.pollMode(mode));
            RdmaContext client = openContext(b -> b.pollMode(mode).operationTimeout(timeout));
            Pair p = connect(server, client);
            LocalMr inbox = allocate(client, 4096);
            long start = System.nanoTime();
            assertThrows(OperationTimeoutException.class, () -> p.client().receive(inbox.slice(0, 64)),
                    mode + ": a blocking receive that nothing is sent to");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= timeout.toMillis(), mode + ": gave up after " + ms + " ms, before the timeout of " + timeout);
            // polling for it first (BUSY polls for the whole timeout) must not add a second wait
            assertTrue(ms < timeout.toMillis() * 19 / 10, mode + ": gave up only after " + ms + " ms; the timeout is " + timeout);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void callbacksMayNotBlockOnWhicheverThreadTheyRun() {
        for (PollMode mode : PollMode.values()) {
            Setup s = setup(mode);
            var c = s.pair().client();
            List<Throwable> seen = new CopyOnWriteArrayList<>();
            List<CompletableFuture<Void>> callbacks = new ArrayList<>();
            Thread test = Thread.currentThread();
            boolean[] attaching = new boolean[1]; // read and written by the test thread only
            int[] inline = new int[1];
            for (int i = 0; i < 200; i++) {
                CompletableFuture<Void> f = c.writeAsync(s.clientMem().slice(0, 64), s.remote().slice(0, 64));
                attaching[0] = true;
                callbacks.add(f.thenRun(() -> {
                    if (Thread.currentThread() == test && attaching[0]) {
                        inline[0]++; // done before the callback was attached: it runs right here, may block
                        return;
                    }
                    try {
                        c.write(s.clientMem().slice(64, 8), s.remote().slice(64, 8));
                        seen.add(new AssertionError("a blocking write inside a callback on "
                                + Thread.currentThread().getName() + " returned"));
                    } catch (Throwable t) {
                        seen.add(t);
                    }
                    try {
                        c.await(c.writeAsync(s.clientMem().slice(72, 8), s.remote().slice(72, 8)));
                        seen.add(new AssertionError("await inside a callback on " + Thread.currentThread().getName() + " returned"));
                    } catch (Throwable t) {
                        seen.add(t);
                    }
                }));
                attaching[0] = false;
                // a blocking call right behind it: its thread may be the one that runs the callback
                c.write(s.clientMem().slice(128, 64), s.remote().slice(128, 64));
            }
            for (CompletableFuture<Void> f : callbacks) {
                await(f);
            }
            assertEquals(2 * (200 - inline[0]), seen.size(), mode + ": every callback's two attempts were recorded");
            for (Throwable t : seen) {
                assertInstanceOf(IllegalStateException.class, t, mode + ": blocking in a callback: " + t);
            }
            // the async writes the callbacks posted before await refused them complete too
            c.write(s.clientMem().slice(0, 8), s.remote().slice(0, 8));
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void closingFromACallbackThatAPollingWaiterRunsDoesNotWaitForItself() throws Exception {
        // BUSY: the waiter polls until its receive completes and the poller stays parked, so the
        // write's completion, and its callback, are the waiter's on every provider
        Setup s = setup(PollMode.BUSY);
        var client = s.pair().client();
        Waiter w = receiveOn(client, s.clientMem().slice(8192, 64), "polling-waiter");
        Thread.sleep(200);
        AtomicReference<String> ranOn = new AtomicReference<>();
        long[] closeNanos = new long[1];
        // A write done before its callback is attached runs the callback here, on the test
        // thread: such a callback does nothing, and the next write tries again.
        for (int attempt = 0; attempt < 1000 && ranOn.get() == null; attempt++) {
            await(client.writeAsync(s.clientMem().slice(0, 64), s.remote().slice(0, 64)).thenRun(() -> {
                if (Thread.currentThread() == w.thread) {
                    long t0 = System.nanoTime();
                    client.close(); // the waiter's receive is outstanding: closing flushes it
                    closeNanos[0] = System.nanoTime() - t0;
                    ranOn.set(Thread.currentThread().getName());
                }
            }));
        }
        assertEquals("polling-waiter", ranOn.get(), "the thread that ran the callback");
        assertTrue(closeNanos[0] < TimeUnit.SECONDS.toNanos(2), "closing the connection from a callback the polling"
                + " waiter ran took " + closeNanos[0] / 1_000_000 + " ms: it waited for completions only it could poll");
        join(w, "the waiter whose connection a callback closed");
        assertInstanceOf(RdmaException.class, w.outcome, "how the waiter's receive ends when its connection closes");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void awaitReturnsResultsInOrderAndThrowsAsTheBlockingFormsDo() {
        for (PollMode mode : PollMode.values()) {
            Setup s = setup(mode);
            var c = s.pair().client();
            List<CompletableFuture<Long>> adds = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                adds.add(c.fetchAndAddAsync(s.remote().slice(0, 8), 1));
            }
            for (int i = 0; i < 64; i++) {
                assertEquals(i, c.await(adds.get(i)), mode + ": the old value of fetch-and-add " + i);
            }
            // a failure: a receive whose connection is closed under it
            var server = s.pair().server();
            LocalMr inbox = allocate(s.serverContext(), 64);
            CompletableFuture<Received> pending = server.receiveAsync(inbox.slice());
            server.close();
            Throwable viaFuture = awaitFailure(pending);
            RdmaException viaAwait = assertThrows(RdmaException.class, () -> server.await(pending));
            assertEquals(viaFuture.getClass(), viaAwait.getClass(), mode + ": await throws what the future failed with");
            assertNotNull(viaAwait.getMessage());
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void closingAContextWhileThreadsWaitInBlockingCallsEndsThemCleanly() throws Exception {
        for (PollMode mode : PollMode.values()) {
            for (int round = 0; round < 3; round++) {
                RdmaContext server = openContext(b -> b.pollMode(mode));
                RdmaContext client = openContext(b -> b.pollMode(mode));
                Pair p = connect(server, client);
                LocalMr inbox = server.allocate(8192);
                List<Waiter> waiters = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    waiters.add(receiveOn(p.server(), inbox.slice(i * 1024L, 1024), "waiter-" + i));
                }
                Thread.sleep(50 + 40L * round);
                server.close();
                for (Waiter w : waiters) {
                    join(w, mode + ": a thread blocked in receive, after its context closed,");
                    assertInstanceOf(RdmaException.class, w.outcome, mode + ": how a receive ends when its context closes");
                }
                client.close();
            }
        }
    }
}
