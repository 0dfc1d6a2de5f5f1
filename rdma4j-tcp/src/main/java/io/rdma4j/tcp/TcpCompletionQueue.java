package io.rdma4j.tcp;

import io.rdma4j.spi.CompletionHandler;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.WorkOpcode;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A completion queue: a ring of {@code ibv_wc}-like entries in parallel arrays, filled by the
 * provider's threads and drained by one poller. Entries are copied out under the lock and handed
 * to the handler outside it, so a handler may post (and so complete, when flushing) freely.
 *
 * <p>Besides the poller ({@link #await}), up to {@link #EVENT_WAITERS} threads blocked in calls
 * may wait here ({@link #awaitEvent}): the event loop that pushes a completion unparks them
 * directly, one thread hand-off fewer than through the poller.
 */
final class TcpCompletionQueue implements CompletionQueue {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.tcp");

    private final Object lock = new Object();
    private long[] wrIds;
    private int[] statuses;
    private WorkOpcode[] opcodes;
    private int[] lengths;
    private int[] immediates;
    private boolean[] hasImm;
    private int[] vendorErrors;
    private int head; // next to poll
    private volatile int size;

    // the poller's copies, reused
    private long[] pWrIds = new long[0];
    private int[] pStatuses = new int[0];
    private WorkOpcode[] pOpcodes = new WorkOpcode[0];
    private int[] pLengths = new int[0];
    private int[] pImmediates = new int[0];
    private boolean[] pHasImm = new boolean[0];
    private int[] pVendorErrors = new int[0];

    /** Threads that may block in {@link #awaitEvent} at once; more wait to be woken by the poller. */
    static final int EVENT_WAITERS = 8;

    private volatile Thread waiter;
    private volatile boolean woken;
    /** Changes with every push and wakeup; see {@link #eventCount}. */
    private final AtomicInteger events = new AtomicInteger();
    /** Threads in {@link #awaitEvent}: counted in, then in a slot. */
    private final AtomicInteger eventWaiterCount = new AtomicInteger();
    private final AtomicReferenceArray<Thread> eventWaiters = new AtomicReferenceArray<>(EVENT_WAITERS);
    private volatile boolean closed;

    TcpCompletionQueue(int capacity) {
        allocate(Math.max(16, capacity));
    }

    private void allocate(int capacity) {
        wrIds = new long[capacity];
        statuses = new int[capacity];
        opcodes = new WorkOpcode[capacity];
        lengths = new int[capacity];
        immediates = new int[capacity];
        hasImm = new boolean[capacity];
        vendorErrors = new int[capacity];
    }

    /** Adds one completion and wakes the poller if it waits. */
    void push(long wrId, int status, WorkOpcode opcode, int length, int immediate, boolean hasImmediate, int vendorError) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (size == wrIds.length) {
                grow();
            }
            int i = (head + size) % wrIds.length;
            wrIds[i] = wrId;
            statuses[i] = status;
            opcodes[i] = opcode;
            lengths[i] = length;
            immediates[i] = immediate;
            hasImm[i] = hasImmediate;
            vendorErrors[i] = vendorError;
            size = size + 1;
        }
        signal();
    }

    /**
     * Counts an event, then wakes whoever waits for one. Pairs with awaitEvent's slot-then-check:
     * a waiter either is seen here or sees the new count.
     */
    private void signal() {
        events.incrementAndGet();
        if (eventWaiterCount.get() > 0) {
            for (int i = 0; i < EVENT_WAITERS; i++) {
                Thread t = eventWaiters.get(i);
                if (t != null) {
                    LockSupport.unpark(t);
                }
            }
        }
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** Never loses a completion: a full queue grows (the core sizes it so this does not happen). */
    private void grow() {
        LOG.log(System.Logger.Level.WARNING, "completion queue full at " + wrIds.length + " entries; growing it");
        long[] w = wrIds;
        int[] s = statuses;
        WorkOpcode[] o = opcodes;
        int[] l = lengths;
        int[] im = immediates;
        boolean[] h = hasImm;
        int[] v = vendorErrors;
        int n = w.length;
        allocate(n * 2);
        for (int k = 0; k < n; k++) {
            int j = (head + k) % n;
            wrIds[k] = w[j];
            statuses[k] = s[j];
            opcodes[k] = o[j];
            lengths[k] = l[j];
            immediates[k] = im[j];
            hasImm[k] = h[j];
            vendorErrors[k] = v[j];
        }
        head = 0;
    }

    @Override
    public int poll(CompletionHandler handler, int max) {
        if (size == 0 || max <= 0) {
            return 0;
        }
        int n;
        synchronized (lock) {
            n = Math.min(max, size);
            if (pWrIds.length < n) {
                int c = Math.max(n, 64);
                pWrIds = new long[c];
                pStatuses = new int[c];
                pOpcodes = new WorkOpcode[c];
                pLengths = new int[c];
                pImmediates = new int[c];
                pHasImm = new boolean[c];
                pVendorErrors = new int[c];
            }
            int cap = wrIds.length;
            for (int k = 0; k < n; k++) {
                int j = head;
                pWrIds[k] = wrIds[j];
                pStatuses[k] = statuses[j];
                pOpcodes[k] = opcodes[j];
                pLengths[k] = lengths[j];
                pImmediates[k] = immediates[j];
                pHasImm[k] = hasImm[j];
                pVendorErrors[k] = vendorErrors[j];
                opcodes[j] = null;
                head = (j + 1) % cap;
            }
            size = size - n;
        }
        for (int k = 0; k < n; k++) {
            handler.onCompletion(pWrIds[k], pStatuses[k], pOpcodes[k], pLengths[k], pImmediates[k], pHasImm[k],
                    pVendorErrors[k]);
        }
        return n;
    }

    @Override
    public void await(long timeoutNanos) throws InterruptedException {
        waiter = Thread.currentThread();
        try {
            // Registered first, then checked: a push after this check sees the waiter and unparks.
            if (size > 0 || woken || closed) {
                return;
            }
            LockSupport.parkNanos(this, timeoutNanos);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        } finally {
            waiter = null;
            woken = false;
        }
    }

    @Override
    public boolean waitersMayAwait() {
        return true;
    }

    @Override
    public int eventCount() {
        return events.get();
    }

    @Override
    public boolean awaitEvent(int seen, long timeoutNanos) throws InterruptedException {
        Thread me = Thread.currentThread();
        eventWaiterCount.incrementAndGet();
        int slot = -1;
        try {
            for (int i = 0; i < EVENT_WAITERS; i++) {
                if (eventWaiters.get(i) == null && eventWaiters.compareAndSet(i, null, me)) {
                    slot = i;
                    break;
                }
            }
            if (slot < 0) {
                return false;
            }
            // In a slot first, then checked: a push after this check sees the slot and unparks.
            if (events.get() != seen || closed) {
                return true;
            }
            LockSupport.parkNanos(this, timeoutNanos);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            return true;
        } finally {
            if (slot >= 0) {
                eventWaiters.set(slot, null);
            }
            eventWaiterCount.decrementAndGet();
        }
    }

    @Override
    public void wakeup() {
        woken = true;
        signal();
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            size = 0;
        }
        wakeup();
    }
}
