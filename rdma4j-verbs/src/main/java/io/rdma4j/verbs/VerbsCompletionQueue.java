package io.rdma4j.verbs;

import io.rdma4j.RdmaException;
import io.rdma4j.ffi.FdWaiter;
import io.rdma4j.ffi.Ibv;
import io.rdma4j.ffi.IbvCompChannel;
import io.rdma4j.ffi.IbvCq;
import io.rdma4j.ffi.Libc;
import io.rdma4j.ffi.WorkCompletion;
import io.rdma4j.spi.CompletionHandler;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.WorkOpcode;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * A CQ with its own completion channel and an eventfd for {@link #wakeup}. {@link #poll} and
 * {@link #await} allocate nothing: the {@code ibv_wc} array is made once. {@link #poll} runs on
 * the core's poller or on a caller waiting for its completion (the NIC needs no thread of ours,
 * so {@link #waitersMayPoll}), one at a time; {@link #await} on the poller, and its re-poll shares
 * the {@code ibv_wc} array and the stash with a caller's poll, so both hold {@link #pollLock}.
 *
 * <p>{@link #await} arms the CQ, then polls once more (a completion that arrived between the
 * caller's empty poll and the arming raises no event); what that re-poll finds is kept and handed
 * out by the next {@link #poll}. Events are acknowledged in batches, the rest on {@link #close}.
 */
final class VerbsCompletionQueue implements CompletionQueue {
    private static final int BATCH = 64;
    private static final int ACK_BATCH = 32;
    private static final WorkOpcode[] OPCODES = new WorkOpcode[256];

    static {
        java.util.Arrays.fill(OPCODES, WorkOpcode.SEND);
        OPCODES[Ibv.IBV_WC_SEND] = WorkOpcode.SEND;
        OPCODES[Ibv.IBV_WC_RDMA_WRITE] = WorkOpcode.WRITE;
        OPCODES[Ibv.IBV_WC_RDMA_READ] = WorkOpcode.READ;
        OPCODES[Ibv.IBV_WC_COMP_SWAP] = WorkOpcode.COMPARE_AND_SWAP;
        OPCODES[Ibv.IBV_WC_FETCH_ADD] = WorkOpcode.FETCH_AND_ADD;
        OPCODES[Ibv.IBV_WC_RECV] = WorkOpcode.RECV;
        OPCODES[Ibv.IBV_WC_RECV_RDMA_WITH_IMM] = WorkOpcode.RECV_RDMA_WITH_IMM;
    }

    private final Arena arena = Arena.ofShared();
    private final IbvCompChannel channel;
    final IbvCq cq;
    private final int wakeFd;
    private final WorkCompletion wc;
    private final FdWaiter waiter;
    /** Completions found by the re-poll in {@link #await}, not yet handed out: [stashAt, stashAt + stashCount). */
    private int stashAt;
    private int stashCount;
    private int unacked;
    /** Volatile: a completion callback may close the queue from inside {@link #deliver}. */
    private volatile boolean closed;
    /** Guards {@link #wc} and the stash: a caller's {@link #poll} may overlap {@link #await}'s re-poll. */
    private final Object pollLock = new Object();

    VerbsCompletionQueue(VerbsDevice device, int capacity) {
        IbvCompChannel ch = null;
        IbvCq q = null;
        int fd = -1;
        try {
            ch = device.context.createCompChannel();
            ch.setNonBlocking();
            q = device.context.createCq(capacity, 0, ch, 0);
            fd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        } catch (RuntimeException e) {
            if (q != null) {
                VerbsDevice.quietly(q::close);
            }
            if (ch != null) {
                VerbsDevice.quietly(ch::close);
            }
            arena.close();
            throw new RdmaException("creating a completion queue of " + capacity + " entries on " + device.name
                    + " failed: " + e.getMessage(), e);
        }
        this.channel = ch;
        this.cq = q;
        this.wakeFd = fd;
        this.wc = WorkCompletion.allocate(arena, BATCH);
        this.waiter = new FdWaiter(ch.fd(), fd);
    }

    @Override
    public int poll(CompletionHandler handler, int max) {
        synchronized (pollLock) {
            if (stashCount > 0) {
                int n = Math.min(max, stashCount);
                int from = stashAt;
                stashAt += n;
                stashCount -= n;
                deliver(handler, from, n);
                return n;
            }
            int n = pollCq(Math.min(max, BATCH));
            deliver(handler, 0, n);
            return n;
        }
    }

    /** {@code ibv_poll_cq} into {@link #wc}; caller holds {@link #pollLock}. */
    private int pollCq(int max) {
        // critical(false): an empty poll 1.38x, a WRITE + poll 1.22x faster on rxe (rdma4j-bench/README.md, VerbsCallBench)
        int n = cq.pollCritical(wc, max);
        if (n < 0) {
            throw new RdmaException("ibv_poll_cq failed with " + n);
        }
        return n;
    }

    @Override
    public boolean waitersMayPoll() {
        return true;
    }

    private void deliver(CompletionHandler handler, int from, int n) {
        for (int i = from; i < from + n && !closed; i++) { // a callback may have closed the queue
            int status = wc.status(i);
            int flags = wc.wcFlags(i);
            WorkOpcode op = status == Ibv.IBV_WC_SUCCESS ? OPCODES[wc.opcode(i) & 0xff] : WorkOpcode.SEND;
            boolean imm = (flags & Ibv.IBV_WC_WITH_IMM) != 0;
            handler.onCompletion(wc.wrId(i), status, op, wc.byteLen(i), imm ? wc.immData(i) : 0, imm, wc.vendorErr(i));
        }
    }

    @Override
    public void await(long timeoutNanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        synchronized (pollLock) {
            if (stashCount > 0) {
                return;
            }
            int rc = cq.reqNotify(false);
            if (rc != 0) {
                throw new RdmaException("ibv_req_notify_cq failed: errno " + rc);
            }
            int n = pollCq(BATCH);
            if (n > 0) {
                stashAt = 0;
                stashCount = n;
                return;
            }
        }
        long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999));
        waiter.await((int) Math.min(Integer.MAX_VALUE, millis));
        if (waiter.ready(1)) {
            Libc.eventfdRead(wakeFd);
        }
        if (waiter.ready(0)) {
            while (channel.getCqEvent() != null) {
                if (++unacked >= ACK_BATCH) {
                    cq.ackEvents(unacked);
                    unacked = 0;
                }
            }
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    @Override
    public void wakeup() {
        synchronized (this) {
            if (closed) {
                return;
            }
            Libc.eventfdWrite(wakeFd, 1);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (unacked > 0) {
            cq.ackEvents(unacked);
            unacked = 0;
        }
        try {
            cq.close();
        } catch (RuntimeException e) {
            throw new RdmaException("destroying the completion queue failed (is a queue pair still using it?): "
                    + e.getMessage(), e);
        }
        VerbsDevice.quietly(channel::close);
        VerbsDevice.quietly(() -> Libc.close(wakeFd));
        arena.close();
    }
}
