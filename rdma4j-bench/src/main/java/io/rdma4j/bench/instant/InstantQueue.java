package io.rdma4j.bench.instant;

import io.rdma4j.spi.CompletionHandler;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.WorkOpcode;
import java.util.concurrent.locks.LockSupport;

/**
 * A completion queue filled at post time by {@link InstantEndpoint}: a ring of completions and
 * nothing else, so polling it costs what the core's side of a poll costs.
 */
final class InstantQueue implements CompletionQueue {
    private final long[] wrIds;
    private final int[] statuses;
    private final WorkOpcode[] opcodes;
    private final int[] lengths;
    private long head;
    private long tail;
    private volatile Thread waiter;
    private volatile boolean closed;

    InstantQueue(int capacity) {
        int n = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        wrIds = new long[n];
        statuses = new int[n];
        opcodes = new WorkOpcode[n];
        lengths = new int[n];
    }

    synchronized void push(long wrId, int status, WorkOpcode opcode, int length) {
        if (tail - head == wrIds.length) {
            throw new IllegalStateException("completion queue overrun: the core posted more than it reserved");
        }
        int i = (int) (tail++ & (wrIds.length - 1));
        wrIds[i] = wrId;
        statuses[i] = status;
        opcodes[i] = opcode;
        lengths[i] = length;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    @Override
    public int poll(CompletionHandler handler, int max) {
        int n = 0;
        while (n < max) {
            long wrId;
            int status;
            WorkOpcode op;
            int len;
            synchronized (this) {
                if (head == tail) {
                    break;
                }
                int i = (int) (head++ & (wrIds.length - 1));
                wrId = wrIds[i];
                status = statuses[i];
                op = opcodes[i];
                len = lengths[i];
            }
            handler.onCompletion(wrId, status, op, len, 0, false, 0);
            n++;
        }
        return n;
    }

    @Override
    public void await(long timeoutNanos) throws InterruptedException {
        waiter = Thread.currentThread();
        try {
            synchronized (this) {
                if (head != tail || closed) {
                    return;
                }
            }
            LockSupport.parkNanos(this, timeoutNanos);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        } finally {
            waiter = null;
        }
    }

    @Override
    public boolean waitersMayPoll() {
        return true; // like a NIC: completions need no thread of the provider's
    }

    @Override
    public void wakeup() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    @Override
    public void close() {
        closed = true;
        wakeup();
    }
}
