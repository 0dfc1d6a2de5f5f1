package io.rdma4j.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdma4j.spi.WorkOpcode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Threads blocked in calls wait on the completion queue's event ({@code awaitEvent}) and are
 * woken by the thread that pushes a completion: every waiter by each push, never one that
 * missed it, and a waiter beyond the slots is told at once to be woken another way.
 */
@Timeout(60)
class TcpCompletionQueueWaitersTest {
    private static final long LONG_WAIT = TimeUnit.SECONDS.toNanos(120); // beyond the test's timeout

    /** A thread in awaitEvent with a wait longer than the test may take; what it returned or threw. */
    private static Thread waiter(TcpCompletionQueue q, int seen, AtomicReference<Object> outcome) {
        return Thread.ofPlatform().start(() -> {
            try {
                outcome.set(q.awaitEvent(seen, LONG_WAIT));
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
    }

    private static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (t.getState() != Thread.State.TIMED_WAITING) {
            if (System.nanoTime() - deadline > 0) {
                fail("the waiter never blocked: " + t.getState());
            }
            Thread.sleep(1);
        }
    }

    private static void push(TcpCompletionQueue q, long wrId) {
        q.push(wrId, Wc.SUCCESS, WorkOpcode.WRITE, 0, 0, false, Wc.VENDOR_NONE);
    }

    @Test
    void aChangedCountReturnsAtOnceAndEveryPushChangesIt() throws Exception {
        TcpCompletionQueue q = new TcpCompletionQueue(16);
        assertTrue(q.waitersMayAwait());
        int seen = q.eventCount();
        push(q, 1);
        assertNotEquals(seen, q.eventCount());
        assertTrue(q.awaitEvent(seen, LONG_WAIT)); // would block past the test's timeout otherwise
        int again = q.eventCount();
        q.wakeup();
        assertNotEquals(again, q.eventCount());
        q.close();
    }

    @Test
    void onePushWakesEveryBlockedWaiter() throws Exception {
        TcpCompletionQueue q = new TcpCompletionQueue(16);
        int seen = q.eventCount();
        List<Thread> threads = new ArrayList<>();
        List<AtomicReference<Object>> outcomes = new ArrayList<>();
        for (int i = 0; i < TcpCompletionQueue.EVENT_WAITERS; i++) {
            AtomicReference<Object> o = new AtomicReference<>();
            outcomes.add(o);
            Thread t = waiter(q, seen, o);
            threads.add(t);
            awaitParked(t);
        }
        // every slot is taken: one more is refused at once rather than left unwoken
        assertFalse(q.awaitEvent(seen, LONG_WAIT));
        push(q, 7);
        for (int i = 0; i < threads.size(); i++) {
            threads.get(i).join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(threads.get(i).isAlive(), "waiter " + i + " was not woken by the push");
            assertEquals(Boolean.TRUE, outcomes.get(i).get());
        }
        assertEquals(1, q.poll((wrId, status, op, len, imm, hasImm, vendor) -> assertEquals(7, wrId), 16));
        // the slots are free again
        AtomicReference<Object> o = new AtomicReference<>();
        Thread t = waiter(q, q.eventCount(), o);
        awaitParked(t);
        q.close(); // closing wakes it too
        t.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(t.isAlive(), "a waiter was not woken by close");
        assertEquals(Boolean.TRUE, o.get());
    }

    @Test
    void wakeupAndInterruptEndAWait() throws Exception {
        TcpCompletionQueue q = new TcpCompletionQueue(16);
        AtomicReference<Object> woken = new AtomicReference<>();
        Thread t = waiter(q, q.eventCount(), woken);
        awaitParked(t);
        q.wakeup();
        t.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(t.isAlive(), "a waiter was not woken by wakeup");
        assertEquals(Boolean.TRUE, woken.get());

        AtomicReference<Object> interrupted = new AtomicReference<>();
        Thread u = waiter(q, q.eventCount(), interrupted);
        awaitParked(u);
        u.interrupt();
        u.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(u.isAlive(), "an interrupted waiter kept waiting");
        assertInstanceOf(InterruptedException.class, interrupted.get());
        q.close();
    }
}
