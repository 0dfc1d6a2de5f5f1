package io.rdma4j.internal;

import io.rdma4j.PollMode;
import io.rdma4j.spi.CompletionHandler;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.WorkOpcode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Drains one completion queue shared by many connections and routes each completion to its
 * connection's slot through the {@code wr_id}. Idles by the context's {@link PollMode}: spin,
 * then yield, then arm the queue and block (adaptive). A failure while handling one completion
 * is logged and never stops the poller.
 *
 * <p><b>Callers poll too.</b> A platform thread blocked in a call may poll the queue itself
 * ({@link #pollUntilDone}) instead of waiting to be woken: a completion then reaches its waiter
 * with no thread hand-off (poller wakes, completes the future, the waiter wakes), which is what
 * a blocking call on a NIC costs most. One thread polls at a time ({@link #polling}); while
 * callers poll, this thread parks instead of spinning or arming the queue, so exactly one
 * thread spins and no completion event wakes it. Whether callers poll: always in
 * {@link PollMode#BUSY}, never in {@link PollMode#EVENT}, and in {@link PollMode#ADAPTIVE} when
 * the provider says its completions need none of its threads
 * ({@link CompletionQueue#waitersMayPoll()}), for a bounded time.
 *
 * <p><b>Or wait on the queue.</b> Where the provider's own threads produce the completions (so
 * a spinning caller would take their core), a blocked caller in ADAPTIVE mode may instead block
 * on the queue's event ({@link CompletionQueue#waitersMayAwait()}) and poll when woken: the
 * provider's thread wakes the caller directly instead of the poller, which would then wake the
 * caller. Same turn, count and budget as polling callers; whoever delivers completions while
 * other callers wait bumps the queue's event count ({@link CompletionQueue#wakeup()}), since a
 * completed future does not wake a thread blocked on the queue.
 *
 * <p><b>The hand-off back to this thread.</b> Parked for callers, this thread wakes every
 * {@link #HAND_OFF_NANOS} and takes over when no caller polls and none came in since it last
 * looked. One that came and went is likely between two calls of a loop (a ping-pong posting its
 * next message): taking over there sent this thread through its yields and an armed queue's
 * event, on the CPUs the loop needs; on a 2-vCPU guest write_lat took 2.98 and send_lat 1.99
 * times perftest's time, against 1.04 and 1.31 with this grace (bench README, session 23). Two
 * things wake it to take over at once: a caller that stops before its own work is done (out of
 * budget, interrupted, timed out), which is about to wait to be woken; and a post with no
 * caller polling, by any thread but the one whose blocking call last got its result. That
 * thread, and a caller that got its result and left, do not wake it: such a thread usually
 * comes straight back to wait (a ping-pong, a bandwidth loop awaiting its oldest batch) and
 * then polls itself. Woken at every such leave and post, this thread took a CPU from the two
 * threads of a ping-pong twice a message: on the same guest send_lat took 13
 * times perftest's time, against 2.2 times with the 2 ms wait (session 22). The cost: work that
 * thread posts asynchronously right after a blocking call, and that no caller waits for,
 * completes up to twice {@link #HAND_OFF_NANOS} late.
 */
final class Poller extends Thread implements CompletionHandler {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.poller");
    /**
     * Two cores or fewer: no core to spare for spinning, so pollers yield (see SPIN_NANOS and
     * BUSY_YIELDS for why each mode cares).
     */
    private static final boolean FEW_CORES = Runtime.getRuntime().availableProcessors() <= 2;
    /**
     * How long an adaptive poller spins before it yields. Spinning pays only with a core to
     * spare: on two cores or fewer the spinning poller takes the core the posting thread or
     * the provider's threads (the tcp provider's event loops do the NIC's work) need, and
     * costs both bandwidth and latency; there it starts with yielding at once.
     * {@code -Drdma4j.poller.spinMicros} overrides.
     */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(
            Long.getLong("rdma4j.poller.spinMicros", FEW_CORES ? 0 : 50));
    /** When an adaptive poller stops yielding and blocks; {@code -Drdma4j.poller.yieldMicros} overrides. */
    private static final long YIELD_NANOS = SPIN_NANOS
            + TimeUnit.MICROSECONDS.toNanos(Long.getLong("rdma4j.poller.yieldMicros", 200));
    private static final int BATCH = 64;
    /**
     * A busy poller on two cores or fewer yields instead of only spinning: the thread waiting
     * for its completion (spinning too, see Blocking) and the peer's threads need the core,
     * and a poller that never yields holds it for a whole scheduler slice (milliseconds).
     */
    private static final boolean BUSY_YIELDS = FEW_CORES;

    /**
     * How long a caller polls in adaptive mode before it parks and leaves the polling to this
     * thread: long enough for any operation on a NIC, short enough that a receive waiting for a
     * peer does not burn a core. {@code -Drdma4j.poller.callerPollMicros} overrides.
     */
    private static final long CALLER_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(
            Long.getLong("rdma4j.poller.callerPollMicros", 2000));
    /**
     * How long a caller that waits on the queue's event (see {@link #awaitUntilDone}) first
     * polls, yielding between polls, before it blocks: a yielding caller leaves the core to
     * the provider's threads, and picks up a completion that comes within this time without
     * being woken. {@code -Drdma4j.poller.callerYieldMicros} overrides.
     */
    private static final long CALLER_YIELD_NANOS = TimeUnit.MICROSECONDS.toNanos(
            Long.getLong("rdma4j.poller.callerYieldMicros", 200));
    /** Spins of a caller with nothing polled before it yields between polls. */
    private static final int CALLER_SPINS = FEW_CORES ? 16 : 1000;
    /**
     * How long this thread, parked for callers, sleeps before it looks whether the last caller
     * has left (see the class comment): long against a ping-pong's round trip, so the thread
     * seldom wakes in one (each wake costs a context switch, which in the emulated guest costs
     * as much as the whole wake-up per message did: 200 us measured no better than 0), and
     * short against the caller's own polling budget. 0 wakes it at every leave and post
     * instead, the way it worked until session 22. {@code -Drdma4j.poller.handOffMicros}
     * overrides.
     */
    private static final long HAND_OFF_NANOS = TimeUnit.MICROSECONDS.toNanos(
            Long.getLong("rdma4j.poller.handOffMicros", 2000));
    /** Whether leaves and posts wake this thread (handOffMicros=0). */
    private static final boolean EAGER_HAND_OFF = HAND_OFF_NANOS <= 0;
    /**
     * Whether this thread, woken by its wait with no caller polling, waits once more when
     * callers came and went meanwhile (see {@link #parkWhileCallersPoll}).
     * {@code -Drdma4j.poller.handOffGrace=false} takes over at once, as in session 22.
     */
    private static final boolean HAND_OFF_GRACE = !EAGER_HAND_OFF
            && Boolean.parseBoolean(System.getProperty("rdma4j.poller.handOffGrace", "true"));
    /** The longest this thread stays parked for callers: a safety net when woken at hand-offs. */
    private static final long PARKED_RECHECK_NANOS = EAGER_HAND_OFF ? TimeUnit.MILLISECONDS.toNanos(50) : HAND_OFF_NANOS;
    /** Marks a thread that delivers completions while it polls as a caller (see {@link #isDelivering}). */
    private static final ThreadLocal<boolean[]> DELIVERING = ThreadLocal.withInitial(() -> new boolean[1]);

    private final ContextState context;
    private final CompletionQueue queue;
    private final PollMode mode;
    /** Whether blocked callers poll (see the class comment). */
    private final boolean callersPoll;
    /** Whether blocked callers block on the queue's event and poll when woken (see the class comment). */
    private final boolean callersAwait;
    private volatile boolean running = true;
    /** The one thread polling the queue now, this one or a caller; null when none is. */
    private final AtomicReference<Thread> polling = new AtomicReference<>();
    /**
     * Callers polling now (or about to), in the low 32 bits ({@link #count}), and how many ever
     * came in, in the high 32 ({@link #entries}): one atomic add per call keeps both.
     */
    private final AtomicLong callers = new AtomicLong();
    /** What {@link #enterCaller} adds to {@link #callers}: one more caller, one more entry. */
    private static final long ENTRY = (1L << 32) + 1;
    /** Work requests posted on this queue's connections and not yet completed or freed, receives included. */
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Set while this thread is parked because callers poll. */
    private volatile boolean parkedForCallers;
    /**
     * Set by whoever unparks this thread for it to take over at once (a caller that stops
     * waiting, another thread's post), so it does not wait out the grace of
     * {@link #parkWhileCallersPoll}.
     */
    private volatile boolean takeOverNow;
    /**
     * The thread whose blocking call last got its result (see {@link #afterPost}). Plain and
     * racy on purpose, written only when it changes: a stale value costs one early wake or one
     * wait of at most {@link #HAND_OFF_NANOS}, and a blocking call no fence.
     */
    private Thread lastDoneCaller;

    Poller(ContextState context, CompletionQueue queue, PollMode mode, String name) {
        super(name);
        setDaemon(true);
        this.context = context;
        this.queue = queue;
        this.mode = mode;
        this.callersPoll = switch (mode) {
            case BUSY -> true;
            case EVENT -> false;
            case ADAPTIVE -> queue.waitersMayPoll();
        };
        this.callersAwait = !callersPoll && mode == PollMode.ADAPTIVE && queue.waitersMayAwait();
    }

    @Override
    public void run() {
        long idleSince = 0;
        while (running) {
            int n = 0;
            if (polling.compareAndSet(null, this)) {
                try {
                    if (!running) { // shutdown began after the loop's check: the queue may be freed
                        break;
                    }
                    n = queue.poll(this, BATCH);
                } catch (RuntimeException e) {
                    if (!running) {
                        break;
                    }
                    LOG.log(System.Logger.Level.ERROR, "polling the completion queue failed", e);
                } finally {
                    polling.set(null);
                }
            }
            if (n > 0) {
                idleSince = 0;
                if (callersAwait && count(callers.get()) > 0) {
                    queue.wakeup(); // the futures completed may be those of callers blocked on the queue
                }
                continue;
            }
            if (count(callers.get()) > 0) {
                parkWhileCallersPoll();
                idleSince = 0;
                continue;
            }
            try {
                switch (mode) {
                    case BUSY -> {
                        if (BUSY_YIELDS) {
                            Thread.yield();
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                    case EVENT -> queue.await(TimeUnit.MILLISECONDS.toNanos(100));
                    case ADAPTIVE -> {
                        long now = System.nanoTime();
                        if (idleSince == 0) {
                            idleSince = now;
                        }
                        long idle = now - idleSince;
                        if (idle < SPIN_NANOS) {
                            Thread.onSpinWait();
                        } else if (idle < YIELD_NANOS) {
                            Thread.yield();
                        } else {
                            queue.await(TimeUnit.MILLISECONDS.toNanos(50));
                        }
                    }
                }
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "waiting on the completion queue failed", e);
            }
        }
    }

    /**
     * Parks while callers poll; returns when one that stops waits for this thread, when another
     * thread's post needs it, or when a whole wait passed with no caller at all (see the class
     * comment).
     */
    private void parkWhileCallersPoll() {
        parkedForCallers = true;
        try {
            // set, then checked: a caller leaving after this check sees the flag and unparks
            long seen = entries(callers.get());
            while (running) {
                long now = callers.get();
                // No caller now: take over if asked to, or if none came in since the last look.
                // One that came and went is likely between two calls of a loop (a ping-pong's
                // posts): taking over then sent this thread through its yields and an armed
                // queue's event, on the CPUs the loop needs (bench README, session 23).
                if (count(now) == 0 && (takeOverNow || !HAND_OFF_GRACE || entries(now) == seen)) {
                    break;
                }
                seen = entries(now);
                LockSupport.parkNanos(this, PARKED_RECHECK_NANOS);
            }
        } finally {
            parkedForCallers = false;
            takeOverNow = false;
        }
    }

    /** Wakes this thread, parked for callers, to take over at once. */
    private void handOffNow() {
        takeOverNow = true;
        LockSupport.unpark(this);
    }

    /** The callers polling now, out of a value of {@link #callers}. */
    private static int count(long callers) {
        return (int) callers;
    }

    /** How many callers ever came in, out of a value of {@link #callers} (wraps; compared only). */
    private static long entries(long callers) {
        return callers >>> 32;
    }

    // ------------------------------------------------------------------ callers

    /**
     * Whether a thread blocked in a call of this queue's connections polls it itself.
     *
     * @return true for platform threads when the mode and provider allow it (see the class comment)
     */
    boolean callerMayPoll() {
        return (callersPoll || callersAwait) && !Thread.currentThread().isVirtual();
    }

    /**
     * Counts a blocked caller in; before it posts its work. Counted in only after its post, it
     * lost a race this thread could keep winning: a post on rxe often returns with its
     * completion already queued, so this thread, awake (after its safety re-check) and seeing
     * no caller, took the completion, handed it over to the caller, which left at once, and
     * stayed awake with its idle clock reset to take the next. In a guest whose CPUs share one
     * emulator thread that spinning thread halved the caller's speed, for 20-130 ms at a time.
     * Counted in first, the caller is there whenever this thread looks while the post runs.
     */
    void enterCaller() {
        callers.addAndGet(ENTRY);
    }

    /**
     * Polls on the calling thread until {@code f} is done, the poll budget (adaptive mode) or
     * the timeout passes, or the thread is interrupted; then counts the caller out, which
     * wakes this poller when work is left that nobody else polls. Spins, then yields between
     * empty polls. Called once per {@link #enterCaller}.
     *
     * @param f what the caller waits for
     * @param timeoutNanos how long at most
     * @return how much of {@code timeoutNanos} is left for the caller to wait on {@code f}
     *     (without this, a busy caller that polled for the whole timeout waited as long again)
     */
    long pollUntilDone(java.util.concurrent.Future<?> f, long timeoutNanos) {
        if (callersAwait) {
            return awaitUntilDone(f, timeoutNanos);
        }
        boolean[] delivering = DELIVERING.get();
        Thread me = Thread.currentThread();
        try {
            long budget = mode == PollMode.BUSY ? timeoutNanos : Math.min(timeoutNanos, CALLER_POLL_NANOS);
            // The budget runs from the first check after the spins: a call done by then (most
            // on a NIC) reads no clock: about 20 ns of a blocking call's 120-140 on the host.
            long clockStart = 0;
            boolean clockStarted = false;
            int idle = 0;
            while (!f.isDone() && running) {
                int n = 0;
                if (polling.compareAndSet(null, me)) {
                    if (!running) { // the queue is being freed: shutdown waits for this turn
                        polling.set(null);
                        break;
                    }
                    delivering[0] = true;
                    try {
                        n = queue.poll(this, BATCH);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "polling the completion queue failed", e);
                        break; // the poller takes over; the caller waits on the future
                    } finally {
                        delivering[0] = false;
                        polling.set(null);
                    }
                }
                if (n > 0) {
                    idle = 0;
                    continue;
                }
                if (++idle < CALLER_SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                    if ((idle & 15) == 0) {
                        if (me.isInterrupted()) {
                            break;
                        }
                        long now = System.nanoTime();
                        if (!clockStarted) {
                            clockStarted = true;
                            clockStart = now;
                        } else if (now - clockStart > budget) {
                            break;
                        }
                    }
                }
            }
            return clockStarted ? Math.max(0, timeoutNanos - (System.nanoTime() - clockStart)) : timeoutNanos;
        } finally {
            leaveCaller(f.isDone());
        }
    }

    /**
     * {@link #pollUntilDone} for callers that block on the queue's event between polls (see the
     * class comment): read the event count, poll, and block until it changes.
     */
    private long awaitUntilDone(java.util.concurrent.Future<?> f, long timeoutNanos) {
        boolean[] delivering = DELIVERING.get();
        Thread me = Thread.currentThread();
        try {
            long start = System.nanoTime();
            long stop = start + Math.min(timeoutNanos, CALLER_POLL_NANOS);
            long yieldUntil = start + CALLER_YIELD_NANOS;
            while (!f.isDone() && running) {
                int seen = queue.eventCount();
                int n;
                if (polling.compareAndSet(null, me)) {
                    if (!running) { // the queue is being freed: shutdown waits for this turn
                        polling.set(null);
                        break;
                    }
                    delivering[0] = true;
                    try {
                        n = queue.poll(this, BATCH);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "polling the completion queue failed", e);
                        break; // the poller takes over; the caller waits on the future
                    } finally {
                        delivering[0] = false;
                        polling.set(null);
                    }
                } else {
                    // Another thread polls now; it may have missed a completion pushed before
                    // `seen` was read, so do not block on the count: try the turn again.
                    Thread.yield();
                    if (System.nanoTime() - stop > 0) {
                        break;
                    }
                    continue;
                }
                if (n > 0) {
                    if (count(callers.get()) > 1) {
                        queue.wakeup(); // other callers blocked on the queue: their futures may be done
                    }
                    continue;
                }
                if (f.isDone()) {
                    break;
                }
                long now = System.nanoTime();
                long left = stop - now;
                if (left <= 0) {
                    break;
                }
                if (now - yieldUntil < 0) {
                    Thread.yield();
                    continue;
                }
                try {
                    if (!queue.awaitEvent(seen, left)) {
                        break; // no room to wait there: the poller wakes this caller
                    }
                } catch (InterruptedException e) {
                    me.interrupt(); // kept for the wait on the future, which throws
                    break;
                }
            }
            return Math.max(0, timeoutNanos - (System.nanoTime() - start));
        } finally {
            leaveCaller(f.isDone());
        }
    }

    /**
     * Counts a caller out whose call never got to poll (refused before it posted); once per
     * {@link #enterCaller}. Wakes this thread as a caller that stops waiting does.
     */
    void leaveCaller() {
        leaveCaller(false);
    }

    /**
     * Counts a caller out; once per {@link #enterCaller}.
     *
     * @param done whether the caller's own work is done, so it will not wait for this thread
     *     (see the class comment)
     */
    private void leaveCaller(boolean done) {
        if (done && !EAGER_HAND_OFF) {
            Thread me = Thread.currentThread();
            if (lastDoneCaller != me) {
                lastDoneCaller = me;
            }
        }
        // decremented, then checked: pairs with parkWhileCallersPoll's flag-then-check
        if (count(callers.decrementAndGet()) == 0 && (!done || EAGER_HAND_OFF) && parkedForCallers && outstanding.get() > 0) {
            handOffNow();
        }
    }

    /** Counts work posted on one of this queue's connections; see {@link #afterPost}. */
    void posted(int n) {
        outstanding.addAndGet(n);
    }

    /** Counts work completed, failed or never posted after all. */
    void finished(int n) {
        outstanding.addAndGet(-n);
    }

    /**
     * After work was posted by a thread that will not poll for it: wakes this thread if it is
     * parked for callers and none is left to poll, unless the posting thread's blocking call
     * just got its result; that thread is likely back soon to wait and poll, and otherwise this
     * thread wakes by itself within {@link #HAND_OFF_NANOS} (see the class comment).
     */
    void afterPost() {
        if (parkedForCallers && count(callers.get()) == 0 && (EAGER_HAND_OFF || lastDoneCaller != Thread.currentThread())) {
            handOffNow();
        }
    }

    /**
     * Whether the current thread is delivering completions: a poller, or a caller while it polls.
     * Such a thread must not block on a completion: it would wait for itself.
     */
    static boolean isDelivering() {
        Thread t = Thread.currentThread();
        return t instanceof Poller || (!t.isVirtual() && DELIVERING.get()[0]); // virtual threads never poll
    }

    @Override
    public void onCompletion(long wrId, int status, WorkOpcode opcode, int byteLength, int immediate,
                             boolean hasImmediate, int vendorError) {
        try {
            ConnectionState c = context.connectionById(OpSlot.connectionId(wrId));
            if (c != null) {
                c.onCompletion(wrId, status, opcode, byteLength, immediate, hasImmediate, vendorError);
            }
        } catch (RuntimeException | StackOverflowError e) {
            LOG.log(System.Logger.Level.ERROR, "handling a completion failed (wr_id 0x" + Long.toHexString(wrId) + ")", e);
        }
    }

    /**
     * Stops the loop, waits for it, and takes the polling turn for good, so no caller polls the
     * queue once it is freed.
     *
     * @return whether nobody can poll the queue any more; false when this thread or a caller
     *     is still inside a poll after 5 s (a callback that does not return), and the queue
     *     must not be freed
     */
    boolean shutdown() {
        running = false;
        LockSupport.unpark(this);
        queue.wakeup();
        Thread me = Thread.currentThread();
        if (me == this) {
            // closing from a completion callback on this thread: once the callback returns,
            // the poll ends and the loop sees !running
            return true;
        }
        interrupt();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            me.interrupt();
        }
        // Take the turn for good, so no caller polls the freed queue; every thread checks
        // running after taking it. A caller closing from a callback it runs inside a poll
        // holds the turn already: its poll ends when the callback returns.
        while (polling.get() != me && !polling.compareAndSet(null, me)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.yield();
        }
        return !isAlive();
    }
}
