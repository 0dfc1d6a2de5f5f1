package io.rdma4j.internal;

import io.rdma4j.Access;
import io.rdma4j.AccessDeniedException;
import io.rdma4j.ConnectionClosedException;
import io.rdma4j.ConnectionStats;
import io.rdma4j.GrantRefusedException;
import io.rdma4j.LeaseExpiredException;
import io.rdma4j.LocalSlice;
import io.rdma4j.MemoryInUseException;
import io.rdma4j.OperationHandler;
import io.rdma4j.OperationTimeoutException;
import io.rdma4j.ProtocolException;
import io.rdma4j.RdmaException;
import io.rdma4j.Received;
import io.rdma4j.RemoteMr;
import io.rdma4j.RemoteSlice;
import io.rdma4j.ResourceClosedException;
import io.rdma4j.WcStatus;
import io.rdma4j.WorkCompletionException;
import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.EndpointHandler;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.PartialPostException;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.WorkOpcode;
import io.rdma4j.spi.WorkRequest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state behind a {@link ConnectionImpl} handle: checks every operation before it posts,
 * lends local memory from post to completion, queues callers in order when the send queue is
 * full, turns completions into futures, and runs the control channel (grants, requests, leases).
 * The provider (as the endpoint's handler), the pollers (through the context's table) and the
 * control channel reference this, never the handle, so a dropped handle can be found by the
 * leak detector.
 *
 * <p>Locking: {@link #postLock} guards the slots, the wait queue and the state; region locks are
 * taken inside it (never the other way round); futures are completed outside every lock.
 */
final class ConnectionState implements EndpointHandler {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.connection");
    /** Unclaimed grants a peer may pile up before it counts as a protocol violation. */
    private static final int MAX_HELD_GRANTS = 4096;
    private static final int MAX_PENDING_REQUESTS = 1024;
    /** About 3 years: longer leases are taken as this, so a deadline never overflows. */
    private static final long MAX_LEASE_NANOS = 100_000_000_000_000_000L;

    private final ContextState context;
    final LeakTracker.Slot leak = new LeakTracker.Slot();
    /** Weak: only for {@link RemoteMrImpl#connection()}; never keeps the handle reachable. */
    private volatile WeakReference<ConnectionImpl> handle = new WeakReference<>(null);
    final int id;
    private final CompletionEngine.Group cqGroup;
    private final int sendDepth;
    private final int receiveDepth;
    private final OpSlot[] slots;
    private final int[] freeSend;
    private int freeSendTop;
    private final int[] freeReceive;
    private int freeReceiveTop;
    private final WorkRequest[] postBatch;
    /**
     * The ids of unsignaled requests, in post order, for the signaled request after them to
     * complete (see {@link OpSlot#groupSize}); written under postLock. Live entries belong to
     * busy slots, plus the already completed head of a group being walked, so twice the send
     * depth never wraps onto one.
     */
    private final long[] unsignaled;
    private int unsignaledNext;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private final Object postLock = new Object();
    /** 8 bytes per send slot for the old values of atomics the caller gets as a long. */
    private final MemoryPool.Block atomicScratch;

    private volatile ProviderEndpoint endpoint;
    private volatile boolean closing;
    /** Counted down when close has freed everything; a concurrent close waits for it. */
    private final java.util.concurrent.CountDownLatch closeDone = new java.util.concurrent.CountDownLatch(1);
    private volatile Thread closer;
    private volatile RdmaException broken;
    private boolean closed;
    private int outstanding;
    /**
     * Threads in close waiting for {@link #outstanding} to reach 0; guarded by postLock. Only
     * then does a completion notify: a notify on every completion inflated the monitor and took
     * a third of a blocking call's own cost (CoreBench, JFR).
     */
    private int flushWaiters;
    /** The poller of {@link #cqGroup}: counts this connection's outstanding work, lets blocked callers poll. */
    private final Poller poller;

    // control channel
    private final AtomicLong nextGrantId = new AtomicLong(1);
    private final AtomicLong nextRequestId = new AtomicLong(1);
    private final Map<Long, GrantState> given = new ConcurrentHashMap<>();
    private final Map<Long, RemoteMrImpl> held = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<RemoteMr>> requests = new ConcurrentHashMap<>();
    private final ArrayDeque<RemoteMrImpl> unclaimedGrants = new ArrayDeque<>();
    private final ArrayDeque<CompletableFuture<RemoteMr>> grantWaiters = new ArrayDeque<>();
    private long budgetUsed;
    private final List<MemorySegment> earlyControl = new ArrayList<>();

    // counters
    // the data path's, guarded by postLock (held wherever they change): no atomic per operation
    private long posted;
    private long completed;
    private long failed;
    private long bytesOut;
    private long bytesIn;
    private final AtomicLong grantsGiven = new AtomicLong();
    private final AtomicLong grantsRevoked = new AtomicLong();
    private final AtomicLong grantsHeld = new AtomicLong();

    ConnectionState(ContextState context, int id, CompletionEngine.Group cqGroup, int sendDepth, int receiveDepth) {
        this.context = context;
        this.id = id;
        this.cqGroup = cqGroup;
        this.poller = cqGroup.poller;
        this.sendDepth = sendDepth;
        this.receiveDepth = receiveDepth;
        this.slots = new OpSlot[sendDepth + receiveDepth];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new OpSlot(i);
        }
        this.freeSend = new int[sendDepth];
        for (int i = 0; i < sendDepth; i++) {
            freeSend[i] = sendDepth - 1 - i;
        }
        freeSendTop = sendDepth;
        this.freeReceive = new int[receiveDepth];
        for (int i = 0; i < receiveDepth; i++) {
            freeReceive[i] = sendDepth + receiveDepth - 1 - i;
        }
        freeReceiveTop = receiveDepth;
        this.postBatch = new WorkRequest[Math.max(sendDepth, receiveDepth)];
        this.unsignaled = new long[2 * sendDepth];
        this.atomicScratch = context.pool().allocate(8L * sendDepth, 8);
    }

    /** Called once the provider has connected: control messages that came early are handled now. */
    void attach(ProviderEndpoint ep) {
        List<MemorySegment> early;
        synchronized (earlyControl) {
            this.endpoint = ep;
            early = List.copyOf(earlyControl);
            earlyControl.clear();
        }
        for (MemorySegment m : early) {
            handleControl(m);
        }
    }

    void handle(ConnectionImpl h) {
        handle = new WeakReference<>(h);
    }

    /** The user's handle, or null once it was dropped (the connection is then closed as leaked). */
    ConnectionImpl handle() {
        return handle.get();
    }

    ContextState context() {
        return context;
    }

    CompletionEngine.Group cqGroup() {
        return cqGroup;
    }

    // ------------------------------------------------------------------ checks

    private static MrState stateOf(LocalSlice s, ContextState ctx) {
        if (!(s.mr() instanceof LocalMrImpl impl)) {
            throw new IllegalArgumentException("this LocalMr was not allocated by rdma4j: " + s.mr());
        }
        if (impl.state.context() != ctx) {
            throw new IllegalArgumentException("this LocalMr belongs to another RdmaContext");
        }
        return impl.state;
    }

    private RemoteMrImpl checkRemote(RemoteSlice r, WorkOpcode op) {
        if (!(r.mr() instanceof RemoteMrImpl impl)) {
            throw new IllegalArgumentException("this RemoteMr was not made by rdma4j: " + r.mr());
        }
        if (impl.owner() != this) {
            throw new IllegalArgumentException("this RemoteMr was granted on another connection (" + impl.owner()
                    + "); an rkey is valid only on the connection it came from");
        }
        if (impl.invalidated()) {
            throw new LeaseExpiredException("grant " + impl.grantId() + " was released or revoked by the peer");
        }
        if (impl.expired()) {
            throw new LeaseExpiredException("the lease of grant " + impl.grantId() + " has ended");
        }
        Access a = impl.access();
        boolean ok = switch (op) {
            case WRITE, WRITE_WITH_IMM -> a.canWrite();
            case READ -> a.canRead();
            case FETCH_AND_ADD, COMPARE_AND_SWAP -> a.canAtomic();
            default -> true;
        };
        if (!ok) {
            throw new AccessDeniedException(op + " needs " + needed(op) + " access, but grant " + impl.grantId()
                    + " allows only " + a);
        }
        return impl;
    }

    private static String needed(WorkOpcode op) {
        return switch (op) {
            case READ -> "remote read";
            case FETCH_AND_ADD, COMPARE_AND_SWAP -> "remote atomic";
            default -> "remote write";
        };
    }

    private void checkLength(long length) {
        if (length > context.providerDevice().limits().maxMessageSize() || length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("an operation of " + length + " bytes exceeds the device's maximum message of "
                    + context.providerDevice().limits().maxMessageSize() + " bytes; split it");
        }
    }

    private void checkUsable() {
        // A failure first: the connection closes itself after one, and its cause is what the caller needs.
        RdmaException b = broken;
        if (b != null) {
            throw new ConnectionClosedException("this connection to " + remoteAddressOrUnknown()
                    + " failed and accepts no more operations: " + b.getMessage(), b);
        }
        if (closing) {
            throw new ResourceClosedException("this connection to " + remoteAddressOrUnknown() + " is closed");
        }
    }

    private String remoteAddressOrUnknown() {
        ProviderEndpoint ep = endpoint;
        return ep == null ? "(connecting)" : String.valueOf(ep.remoteAddress());
    }

    // ------------------------------------------------------------------ posting

    /** An operation waiting for a send slot; lends are already taken, so order and checks hold. */
    private record Pending(WorkOpcode op, MrState mr, Lend lend, long offset, long length, long remoteAddress, int rkey,
                           long compareOrAdd, long swap, int immediate, CompletableFuture<Object> future,
                           OperationHandler<Object> handler, Object attachment, boolean returnsAtomic) {}

    /**
     * Checks, lends and posts one send-side operation, or queues it behind others. It reports
     * to {@code f} or to {@code h} with {@code attachment}; a refused one throws and reports nothing.
     */
    private void submit(WorkOpcode op, LocalSlice local, RemoteSlice remote, long compareOrAdd, long swap, int immediate,
                        boolean returnsAtomic, Poller caller, CompletableFuture<Object> f, OperationHandler<Object> h,
                        Object attachment) {
        MrState mr = local == null ? null : stateOf(local, context);
        long remoteAddress = 0;
        int rkey = 0;
        checkUsable(); // before the grant checks: a dead connection invalidated its grants too
        if (remote != null) {
            RemoteMrImpl r = checkRemote(remote, op);
            remoteAddress = remote.address();
            rkey = r.rkey();
        }
        long length = local == null ? 8 : local.length();
        if (op == WorkOpcode.FETCH_AND_ADD || op == WorkOpcode.COMPARE_AND_SWAP) {
            if (remote.length() != 8 || (remoteAddress & 7) != 0) {
                throw new IllegalArgumentException("atomics work on 8 bytes at an 8-byte aligned remote address; got "
                        + remote.length() + " bytes at 0x" + Long.toHexString(remoteAddress));
            }
            if (local != null && local.length() != 8) {
                throw new IllegalArgumentException("an atomic's result slice must be 8 bytes, was " + local.length());
            }
        } else if (remote != null && remote.length() != local.length()) {
            throw new IllegalArgumentException(op + " needs local and remote slices of one length; local "
                    + local.length() + ", remote " + remote.length());
        }
        checkLength(length);
        synchronized (postLock) {
            checkUsable();
            boolean exclusive = op == WorkOpcode.READ || op == WorkOpcode.FETCH_AND_ADD || op == WorkOpcode.COMPARE_AND_SWAP;
            if (waiting.isEmpty() && freeSendTop > 0) {
                OpSlot s = slots[freeSend[freeSendTop - 1]];
                if (mr != null) {
                    mr.lend(s.lend, local.offset(), length, exclusive, op.name());
                }
                freeSendTop--;
                fill(s, op, mr, s.lend, local == null ? 0 : local.offset(), length, remoteAddress, rkey, compareOrAdd, swap,
                        immediate, f, h, attachment, returnsAtomic);
                postSendLocked(1);
            } else {
                Lend l = null;
                if (mr != null) {
                    l = new Lend();
                    mr.lend(l, local.offset(), length, exclusive, op.name());
                }
                waiting.add(new Pending(op, mr, l, local == null ? 0 : local.offset(), length, remoteAddress, rkey,
                        compareOrAdd, swap, immediate, f, h, attachment, returnsAtomic));
            }
        }
        afterPost(caller);
    }

    /**
     * After posting: lets the poller know work was posted that nobody else will poll for. A
     * blocking call that polls for itself ({@code caller}) was counted in before it posted.
     */
    private void afterPost(Poller caller) {
        if (caller == null) {
            poller.afterPost();
        }
    }

    /**
     * Counts a blocking call's thread in as a caller of the poller it will poll, before the call
     * posts anything (see {@link Poller#enterCaller} for why before). The call then polls in
     * {@link Blocking#await}, which counts it out; a call refused before that counts itself out
     * with {@link Blocking#leaveRefused}.
     *
     * @return the poller counted into, or null when the thread waits to be woken instead (a
     *     virtual thread, or a mode or provider where callers do not poll)
     */
    Poller enterCaller(String what) {
        Blocking.checkMayBlock(what);
        if (!poller.callerMayPoll()) {
            return null;
        }
        poller.enterCaller();
        return poller;
    }

    /** Descriptors filled but not yet posted; guarded by postLock. */
    private int pendingInBatch;

    /** Fills a taken send slot and appends its descriptor to the next post; caller holds postLock. */
    private void fill(OpSlot s, WorkOpcode op, MrState mr, Lend lend, long offset, long length, long remoteAddress, int rkey,
                      long compareOrAdd, long swap, int immediate, CompletableFuture<Object> f, OperationHandler<Object> h,
                      Object attachment, boolean returnsAtomic) {
        s.busy = true;
        s.opcode = op;
        s.future = f;
        s.handler = h;
        s.attachment = attachment;
        s.returnsAtomic = returnsAtomic;
        s.bytes = length;
        if (lend != s.lend) {
            s.activeLend = lend;
        } else {
            s.activeLend = mr == null ? null : s.lend;
        }
        MemorySegment localSeg;
        int lkey;
        if (mr == null) {
            localSeg = s.slice(atomicScratch.segment(), 8L * s.index, 8);
            lkey = atomicScratch.lkey();
        } else {
            localSeg = s.slice(mr.segment, offset, length);
            lkey = mr.lkey;
        }
        s.atomicResult = (op == WorkOpcode.FETCH_AND_ADD || op == WorkOpcode.COMPARE_AND_SWAP) ? localSeg : null;
        if (OperationEvent.enabled()) {
            s.event = new OperationEvent();
            s.event.begin();
        }
        s.request.set(s.wrId(id), op, localSeg, lkey).remote(remoteAddress, rkey).atomic(compareOrAdd, swap).immediate(immediate);
        postBatch[pendingInBatch++] = s.request;
        outstanding++;
        poller.posted(1);
    }

    /** Posts the descriptors collected by {@link #fill}; on failure completes them as failed. */
    private void postSendLocked(int expected) {
        int n = pendingInBatch;
        pendingInBatch = 0;
        if (n == 0) {
            return;
        }
        ProviderEndpoint ep = endpoint;
        if (n > 1 && ep.selectiveSignaling()) {
            signalLastOnly(n);
        }
        try {
            ep.postSend(postBatch, 0, n);
            posted += n;
        } catch (RuntimeException e) {
            RdmaException err = e instanceof RdmaException re ? re : new RdmaException("posting failed: " + e.getMessage(), e);
            // What did not reach the device gives its slot and lend back and fails its caller.
            int reached = e instanceof PartialPostException p ? Math.min(p.posted(), n) : 0;
            for (int i = reached; i < n; i++) {
                OpSlot s = slots[OpSlot.slotIndex(postBatch[i].wrId())];
                failSlotLocked(s, err);
            }
            if (reached > 0) {
                postedInPart(reached, err);
            }
            if (expected == 1) {
                throw err;
            }
        }
    }

    /**
     * The device took the first {@code reached} requests of a post list and refused the rest.
     * Those it took may be reading or writing their memory now, so their slots and lends stay
     * until each completes. They were posted unsignaled, for the refused last one to report
     * them, so only a flush will: the connection fails, the device flushes what it holds, and
     * close gives back, after the endpoint is gone, whatever did not report. Caller holds postLock.
     */
    private void postedInPart(int reached, RdmaException err) {
        posted += reached;
        if (broken == null) {
            enterErrorLocked(new ConnectionClosedException("the device took " + reached
                    + " requests of a post list and refused the rest; the connection is failed so that they flush: "
                    + err.getMessage(), err));
        }
    }

    /**
     * Of the {@code n} descriptors about to be posted, only the last asks for a completion: it
     * then completes the others (one completion instead of n for the device to write and for
     * the poller to read; perftest moderates completions the same way). Caller holds postLock.
     */
    private void signalLastOnly(int n) {
        int cap = unsignaled.length;
        int start = unsignaledNext;
        for (int i = 0; i < n - 1; i++) {
            WorkRequest r = postBatch[i].unsignaled();
            unsignaled[(start + i) % cap] = r.wrId();
        }
        OpSlot last = slots[OpSlot.slotIndex(postBatch[n - 1].wrId())];
        last.groupStart = start;
        last.groupSize = n - 1;
        unsignaledNext = (start + n - 1) % cap;
    }

    /** Completes a slot that will never see a completion; caller holds postLock. */
    private void failSlotLocked(OpSlot s, RdmaException err) {
        if (!s.busy) {
            return;
        }
        Lend l = s.activeLend;
        s.activeLend = null;
        if (l != null && l.owner != null) {
            l.owner.unlend(l);
        }
        CompletableFuture<Object> f = s.future;
        OperationHandler<Object> h = s.handler;
        Object a = s.attachment;
        freeSlotLocked(s);
        failed++;
        context.deliverLater(f, h, a, err);
    }

    private void freeSlotLocked(OpSlot s) {
        boolean receive = s.index >= sendDepth;
        s.reset();
        outstanding--;
        poller.finished(1);
        if (receive) {
            freeReceive[freeReceiveTop++] = s.index;
        } else {
            freeSend[freeSendTop++] = s.index;
        }
    }

    /**
     * Posts queued operations while send slots are free, in order; caller holds postLock. A batch
     * larger than the free slots goes out in parts (each one doorbell), so no batch is too big.
     */
    private void drainWaitingLocked() {
        while (!waiting.isEmpty() && broken == null && !closing && freeSendTop > 0) {
            while (!waiting.isEmpty() && freeSendTop > 0) {
                Pending q = waiting.poll();
                OpSlot s = slots[freeSend[--freeSendTop]];
                fill(s, q.op, q.mr, q.lend, q.offset, q.length, q.remoteAddress, q.rkey, q.compareOrAdd, q.swap,
                        q.immediate, q.future, q.handler, q.attachment, q.returnsAtomic);
            }
            postSendLocked(0);
        }
    }

    // ------------------------------------------------------------------ batches

    /**
     * Posts a checked batch: every entry is lent before any is posted; a refused one posts
     * nothing. Each entry reports to the batch's state, which completes the submission.
     */
    void submitBatch(BatchImpl b, int count, Poller caller) {
        MrState[] regions = b.regions();
        BatchSubmission submission = b.submission();
        checkUsable();
        for (int i = 0; i < count; i++) {
            LocalSlice local = b.local(i);
            RemoteSlice remote = b.remote(i);
            WorkOpcode op = b.op(i);
            regions[i] = stateOf(local, context);
            if (remote != null) {
                checkRemote(remote, op);
                if (op == WorkOpcode.FETCH_AND_ADD || op == WorkOpcode.COMPARE_AND_SWAP) {
                    if (remote.length() != 8 || (remote.address() & 7) != 0 || local.length() != 8) {
                        throw new IllegalArgumentException("batch entry " + i + ": atomics need 8 local bytes and 8 remote bytes at an aligned address");
                    }
                } else if (remote.length() != local.length()) {
                    throw new IllegalArgumentException("batch entry " + i + ": local and remote lengths differ ("
                            + local.length() + " vs " + remote.length() + ")");
                }
            }
            checkLength(local.length());
        }
        synchronized (postLock) {
            checkUsable();
            // Nothing queued and enough free slots: lend into the slots' own descriptors and post
            // at once, as submit() does for one operation (no Lend or Pending per entry).
            boolean direct = waiting.isEmpty() && freeSendTop >= count;
            Lend[] lends = direct ? null : new Lend[count];
            int lent = 0;
            try {
                for (int i = 0; i < count; i++) {
                    WorkOpcode op = b.op(i);
                    LocalSlice local = b.local(i);
                    boolean exclusive = op == WorkOpcode.READ || op == WorkOpcode.FETCH_AND_ADD
                            || op == WorkOpcode.COMPARE_AND_SWAP;
                    Lend l = direct ? slots[freeSend[freeSendTop - 1 - i]].lend : new Lend();
                    try {
                        regions[i].lend(l, local.offset(), local.length(), exclusive, op.name());
                    } catch (MemoryInUseException conflict) {
                        // the entry's index only on failure: no message is built per entry
                        throw new MemoryInUseException("batch entry " + i + ": " + conflict.getMessage(), conflict);
                    }
                    if (!direct) {
                        lends[i] = l;
                    }
                    lent++;
                }
            } catch (RuntimeException ex) {
                for (int i = 0; i < lent; i++) {
                    Lend l = direct ? slots[freeSend[freeSendTop - 1 - i]].lend : lends[i];
                    l.owner.unlend(l);
                }
                throw ex;
            }
            for (int i = 0; i < count; i++) {
                LocalSlice local = b.local(i);
                RemoteSlice remote = b.remote(i);
                long ra = remote == null ? 0 : remote.address();
                int rk = remote == null ? 0 : remote.mr().rkey();
                if (direct) {
                    OpSlot s = slots[freeSend[--freeSendTop]]; // the slot entry i was lent into
                    fill(s, b.op(i), regions[i], s.lend, local.offset(), local.length(), ra, rk,
                            b.compareOrAdd(i), b.swap(i), b.immediate(i), null, submission, null, false);
                } else {
                    waiting.add(new Pending(b.op(i), regions[i], lends[i], local.offset(), local.length(), ra, rk,
                            b.compareOrAdd(i), b.swap(i), b.immediate(i), null, submission, null, false));
                }
            }
            if (direct) {
                postSendLocked(0);
            } else {
                drainWaitingLocked();
            }
        }
        afterPost(caller);
    }

    // ------------------------------------------------------------------ receives

    private CompletableFuture<Object> postReceive(LocalSlice dst, Poller caller) {
        MrState mr = stateOf(dst, context);
        checkLength(dst.length());
        CompletableFuture<Object> f = new CompletableFuture<>();
        synchronized (postLock) {
            checkUsable();
            if (freeReceiveTop == 0) {
                throw new RdmaException("all " + receiveDepth + " receives of this connection are posted;"
                        + " wait for one to complete or raise receiveQueueDepth");
            }
            OpSlot s = slots[freeReceive[freeReceiveTop - 1]];
            mr.lend(s.lend, dst.offset(), dst.length(), true, "RECV");
            freeReceiveTop--;
            s.busy = true;
            s.opcode = WorkOpcode.RECV;
            s.future = f;
            s.handler = null;
            s.attachment = null;
            s.activeLend = s.lend;
            s.bytes = dst.length();
            s.request.set(s.wrId(id), WorkOpcode.RECV, s.slice(mr.segment, dst.offset(), dst.length()), mr.lkey);
            postBatch[0] = s.request;
            outstanding++;
            poller.posted(1);
            try {
                endpoint.postReceive(postBatch, 0, 1);
                posted++;
            } catch (RuntimeException e) {
                RdmaException err = e instanceof RdmaException re ? re : new RdmaException("posting a receive failed", e);
                Lend l = s.activeLend;
                s.activeLend = null;
                mr.unlend(l);
                freeSlotLocked(s);
                throw err;
            }
        }
        afterPost(caller);
        return f;
    }

    // ------------------------------------------------------------------ completions (poller thread)

    /** A completion for one of this connection's slots. */
    void onCompletion(long wrId, int status, WorkOpcode opcode, int byteLength, int immediate, boolean hasImmediate,
                      int vendorError) {
        int index = OpSlot.slotIndex(wrId);
        if (index >= slots.length) {
            return;
        }
        complete(slots[index], wrId, status, opcode, byteLength, immediate, hasImmediate, vendorError);
    }

    /** Completes one slot, and first the unsignaled requests its completion stands for. */
    private void complete(OpSlot s, long wrId, int status, WorkOpcode opcode, int byteLength, int immediate,
                          boolean hasImmediate, int vendorError) {
        int groupStart = 0;
        int groupSize;
        long value = 0;
        Object result = null;
        RdmaException error = null;
        CompletableFuture<Object> f;
        OperationHandler<Object> h;
        Object attachment;
        synchronized (postLock) {
            if (!s.busy || s.generation != OpSlot.generation(wrId)) {
                return; // stale: the slot was failed at close and reused
            }
            groupSize = s.groupSize;
            if (groupSize > 0) { // the unsignaled ones before it first, outside this lock
                s.groupSize = 0;
                groupStart = s.groupStart;
                f = null;
                h = null;
                attachment = null;
            } else {
                f = s.future;
                if (status == 0) {
                    if (s.returnsAtomic) {
                        value = s.atomicResult.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                        if (f != null) {
                            result = value; // boxed for the future only: a handler gets the long
                        }
                    } else if (s.opcode == WorkOpcode.RECV) {
                        boolean byWrite = opcode == WorkOpcode.RECV_RDMA_WITH_IMM;
                        result = new Received(byteLength, hasImmediate, hasImmediate ? immediate : 0, byWrite);
                        bytesIn += byteLength;
                    } else {
                        bytesOut += s.bytes;
                    }
                    completed++;
                } else {
                    failed++;
                    error = WorkCompletionException.of(s.opcode.name() + " on the connection to " + remoteAddressOrUnknown(),
                            WcStatus.of(status), vendorError);
                }
                Lend l = s.activeLend;
                s.activeLend = null;
                if (l != null && l.owner != null) {
                    l.owner.unlend(l);
                }
                OperationEvent ev = s.event;
                if (ev != null) {
                    ev.end();
                    ev.operation = s.opcode.name();
                    ev.bytes = s.bytes;
                    ev.status = WcStatus.of(status).name();
                    ev.peer = remoteAddressOrUnknown();
                    ev.commit();
                }
                h = s.handler;
                attachment = s.attachment;
                freeSlotLocked(s);
                if (error != null && broken == null && status != WcStatus.WR_FLUSH_ERR.code()) {
                    enterErrorLocked(error);
                }
                drainWaitingLocked();
                if (outstanding == 0 && flushWaiters > 0) {
                    postLock.notifyAll();
                }
            }
        }
        if (groupSize > 0) {
            completeUnsignaled(groupStart, groupSize, status);
            complete(s, wrId, status, opcode, byteLength, immediate, hasImmediate, vendorError);
            return;
        }
        context.deliver(f, h, attachment, value, result, error);
    }

    /**
     * The unsignaled requests posted before a signaled one whose completion had {@code status}.
     * Success or a real failure of the signaled one says they succeeded (a failed one would
     * have reported itself, and the later ones would flush); a flush says they flushed too,
     * unless they reported themselves already, which the generation check skips.
     *
     * <p>The ids are read without postLock: they were written under it before the post, and
     * the caller took it since (to read the group), so they are visible; and no later post
     * writes over them while this walk runs (see {@link #unsignaled}). complete takes the lock.
     */
    private void completeUnsignaled(int start, int count, int status) {
        int memberStatus = status == WcStatus.WR_FLUSH_ERR.code() ? status : 0;
        int cap = unsignaled.length;
        for (int i = 0; i < count; i++) {
            long w = unsignaled[(start + i) % cap];
            complete(slots[OpSlot.slotIndex(w)], w, memberStatus, null, 0, 0, false, 0);
        }
    }

    /** First failure: later callers are refused, queued ones flush, the peer is told. */
    private void enterErrorLocked(RdmaException cause) {
        broken = cause;
        failWaitingLocked(cause, true);
        ProviderEndpoint ep = endpoint;
        if (ep != null) {
            context.executor().execute(ep::disconnect);
        }
    }

    private void failWaitingLocked(RdmaException cause, boolean flush) {
        Pending p;
        while ((p = waiting.poll()) != null) {
            if (p.lend != null && p.lend.owner != null) {
                p.lend.owner.unlend(p.lend);
            }
            RdmaException e = flush ? WorkCompletionException.of(p.op + " (queued behind a failed operation)", WcStatus.WR_FLUSH_ERR, 0)
                    : new ConnectionClosedException(p.op + " never ran: the connection was closed", cause);
            failed++;
            context.deliverLater(p.future, p.handler, p.attachment, e);
        }
    }

    // ------------------------------------------------------------------ public operations

    @SuppressWarnings("unchecked")
    private static <T> CompletableFuture<T> cast(CompletableFuture<Object> f) {
        return (CompletableFuture<T>) (CompletableFuture<?>) f;
    }

    /**
     * A send-side operation for a blocking call: posted, then waited for (polling, where callers
     * poll), reporting to the thread's reusable {@link BlockingCall}, so nothing is allocated.
     *
     * @return an atomic's old value; 0 for the others
     */
    private long blocking(String what, WorkOpcode op, LocalSlice local, RemoteSlice remote, long compareOrAdd, long swap,
                          int immediate, boolean returnsAtomic) {
        Poller p = enterCaller(what);
        BlockingCall call = BlockingCall.begin();
        try {
            try {
                submit(op, local, remote, compareOrAdd, swap, immediate, returnsAtomic, p, null, call, null);
            } catch (Throwable t) {
                Blocking.leaveRefused(p);
                throw t;
            }
            Blocking.await(call, timeout(), p, what);
            return call.value();
        } finally {
            call.end();
        }
    }

    /** A send-side operation reporting to a new future. */
    private <T> CompletableFuture<T> async(WorkOpcode op, LocalSlice local, RemoteSlice remote, long compareOrAdd,
                                           long swap, int immediate, boolean returnsAtomic) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        submit(op, local, remote, compareOrAdd, swap, immediate, returnsAtomic, null, f, null, null);
        return cast(f);
    }

    /** A send-side operation reporting to the caller's handler: nothing allocated. */
    @SuppressWarnings("unchecked")
    private void withHandler(WorkOpcode op, LocalSlice local, RemoteSlice remote, long compareOrAdd, long swap,
                             int immediate, boolean returnsAtomic, Object attachment, OperationHandler<?> handler) {
        submit(op, local, remote, compareOrAdd, swap, immediate, returnsAtomic, null, null,
                (OperationHandler<Object>) java.util.Objects.requireNonNull(handler, "handler"), attachment);
    }

    public CompletableFuture<Void> writeAsync(LocalSlice src, RemoteSlice dst) {
        return async(WorkOpcode.WRITE, src, dst, 0, 0, 0, false);
    }

    public void write(LocalSlice src, RemoteSlice dst) {
        blocking("write", WorkOpcode.WRITE, src, dst, 0, 0, 0, false);
    }

    public <A> void writeAsync(LocalSlice src, RemoteSlice dst, A attachment, OperationHandler<? super A> handler) {
        withHandler(WorkOpcode.WRITE, src, dst, 0, 0, 0, false, attachment, handler);
    }

    public CompletableFuture<Void> writeWithImmAsync(LocalSlice src, RemoteSlice dst, int immediate) {
        return async(WorkOpcode.WRITE_WITH_IMM, src, dst, 0, 0, immediate, false);
    }

    public void writeWithImm(LocalSlice src, RemoteSlice dst, int immediate) {
        blocking("writeWithImm", WorkOpcode.WRITE_WITH_IMM, src, dst, 0, 0, immediate, false);
    }

    public <A> void writeWithImmAsync(LocalSlice src, RemoteSlice dst, int immediate, A attachment, OperationHandler<? super A> handler) {
        withHandler(WorkOpcode.WRITE_WITH_IMM, src, dst, 0, 0, immediate, false, attachment, handler);
    }

    public CompletableFuture<Void> readAsync(LocalSlice dst, RemoteSlice src) {
        return async(WorkOpcode.READ, dst, src, 0, 0, 0, false);
    }

    public void read(LocalSlice dst, RemoteSlice src) {
        blocking("read", WorkOpcode.READ, dst, src, 0, 0, 0, false);
    }

    public <A> void readAsync(LocalSlice dst, RemoteSlice src, A attachment, OperationHandler<? super A> handler) {
        withHandler(WorkOpcode.READ, dst, src, 0, 0, 0, false, attachment, handler);
    }

    public CompletableFuture<Long> fetchAndAddAsync(RemoteSlice target, long add) {
        return async(WorkOpcode.FETCH_AND_ADD, null, target, add, 0, 0, true);
    }

    public long fetchAndAdd(RemoteSlice target, long add) {
        return blocking("fetchAndAdd", WorkOpcode.FETCH_AND_ADD, null, target, add, 0, 0, true);
    }

    public <A> void fetchAndAddAsync(RemoteSlice target, long add, A attachment, OperationHandler<? super A> handler) {
        withHandler(WorkOpcode.FETCH_AND_ADD, null, target, add, 0, 0, true, attachment, handler);
    }

    public CompletableFuture<Long> compareAndSwapAsync(RemoteSlice target, long expect, long swap) {
        return async(WorkOpcode.COMPARE_AND_SWAP, null, target, expect, swap, 0, true);
    }

    public long compareAndSwap(RemoteSlice target, long expect, long swap) {
        return blocking("compareAndSwap", WorkOpcode.COMPARE_AND_SWAP, null, target, expect, swap, 0, true);
    }

    public <A> void compareAndSwapAsync(RemoteSlice target, long expect, long swap, A attachment, OperationHandler<? super A> handler) {
        withHandler(WorkOpcode.COMPARE_AND_SWAP, null, target, expect, swap, 0, true, attachment, handler);
    }

    public CompletableFuture<Void> sendAsync(LocalSlice src) {
        return async(WorkOpcode.SEND, src, null, 0, 0, 0, false);
    }

    public void send(LocalSlice src) {
        blocking("send", WorkOpcode.SEND, src, null, 0, 0, 0, false);
    }

    public <A> void sendAsync(LocalSlice src, A attachment, OperationHandler<? super A> handler) {
        withHandler(WorkOpcode.SEND, src, null, 0, 0, 0, false, attachment, handler);
    }

    public CompletableFuture<Void> sendWithImmAsync(LocalSlice src, int immediate) {
        return async(WorkOpcode.SEND_WITH_IMM, src, null, 0, 0, immediate, false);
    }

    public void sendWithImm(LocalSlice src, int immediate) {
        blocking("sendWithImm", WorkOpcode.SEND_WITH_IMM, src, null, 0, 0, immediate, false);
    }

    public <A> void sendWithImmAsync(LocalSlice src, int immediate, A attachment, OperationHandler<? super A> handler) {
        withHandler(WorkOpcode.SEND_WITH_IMM, src, null, 0, 0, immediate, false, attachment, handler);
    }

    /** See {@link io.rdma4j.Connection#await}. */
    public <T> T await(CompletableFuture<T> f) {
        Poller p = enterCaller("await");
        return Blocking.await(f, timeout(), p, "the awaited operation");
    }

    public CompletableFuture<Received> receiveAsync(LocalSlice dst) {
        return cast(postReceive(dst, null));
    }

    public Received receive(LocalSlice dst) {
        Poller p = enterCaller("receive");
        CompletableFuture<Object> f;
        try {
            f = postReceive(dst, p);
        } catch (Throwable t) {
            Blocking.leaveRefused(p);
            throw t;
        }
        return Blocking.await(cast(f), timeout(), p, "receive");
    }

    /** The context's operation timeout: how long a blocking call waits. */
    Duration timeout() {
        return context.options().operationTimeout();
    }

    // ------------------------------------------------------------------ grants: granting side

    /** A grant of the caller's memory; the handle wraps it with the caller's slice. */
    GrantState grant(LocalSlice region, Access access, Duration lease) {
        MrState mr = stateOf(region, context);
        checkLease(lease);
        checkUsable();
        return grantInternal(mr, region.offset(), region.length(), access, lease.toNanos(), 0, false);
    }

    private static void checkLease(Duration lease) {
        if (lease == null || lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a lease must be positive, was " + lease);
        }
    }

    private GrantState grantInternal(MrState mr, long offset, long length, Access access, long leaseNanos, long requestId,
                                     boolean ownsMemory) {
        int bits = access.bits() | AccessFlags.LOCAL_WRITE;
        MemorySegment seg = mr.segment.asSlice(offset, length);
        // A closed region may have been freed already (its segment's arena closed): refuse it
        // before the provider touches its memory. addGrant checks again under the region's lock.
        synchronized (mr) {
            mr.checkOpen();
        }
        MemoryRegistration reg;
        try {
            reg = endpoint.registerForPeer(seg, bits);
        } catch (IllegalStateException e) {
            if (!mr.isOpen()) { // closed and freed while being registered
                throw new ResourceClosedException("this LocalMr was closed while it was being granted", e);
            }
            throw e;
        }
        long grantId = nextGrantId.getAndIncrement();
        long deadline = System.nanoTime() + leaseNanos;
        GrantState g = new GrantState(this, grantId, mr, length, access, reg, deadline, ownsMemory);
        try {
            mr.addGrant(g);
        } catch (RuntimeException e) {
            reg.close();
            throw e;
        }
        given.put(grantId, g);
        grantsGiven.incrementAndGet();
        g.expiry(context.scheduler().schedule(() -> revokeInBackground(g, true), leaseNanos, TimeUnit.NANOSECONDS));
        try {
            sendControl(ControlMessage.grant(grantId, requestId, seg.address(), length, reg.rkey(),
                    access.bits(), leaseNanos));
        } catch (RuntimeException e) {
            try {
                g.revoke(false);
            } catch (RuntimeException r) {
                e.addSuppressed(r);
            }
            throw e;
        }
        return g;
    }

    /**
     * Revokes where nobody waits for the outcome (the lease timer, the peer's release, a close).
     * A failed deregistration was logged by the grant, which keeps its memory out of use; the
     * caller goes on with the rest of its work.
     */
    private static void revokeInBackground(GrantState g, boolean tellPeer) {
        try {
            g.revoke(tellPeer);
        } catch (RuntimeException e) {
            // logged by GrantState.revoke; nothing else to do here
        }
    }

    /** A grant of this side ended (revoked, expired, released, or the connection went away). */
    void grantRevoked(GrantState g, boolean tellPeer) {
        if (given.remove(g.grantId) == null) {
            return;
        }
        grantsRevoked.incrementAndGet();
        if (g.ownsMemory()) {
            synchronized (postLock) {
                budgetUsed -= g.length;
            }
        }
        if (tellPeer && !closing && broken == null) {
            try {
                sendControl(ControlMessage.revoked(g.grantId));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "could not tell the peer of revoked grant " + g.grantId, e);
            }
        }
    }

    /** The peer asks this side for memory: the policy answers (off the provider thread). */
    private void onRequest(ControlMessage m) {
        long size = m.length();
        String refusal = null;
        synchronized (postLock) {
            long budget = context.options().grantBudget();
            if (size <= 0) {
                refusal = "a request must be for at least 1 byte, was " + size;
            } else if (size > budget - budgetUsed) {
                refusal = "request for " + size + " bytes exceeds this side's grant budget (" + (budget - budgetUsed)
                        + " of " + budget + " bytes left on this connection)";
            } else if (closing || broken != null) {
                refusal = "the connection is closing";
            } else {
                budgetUsed += size;
            }
        }
        if (refusal != null) {
            sendControlQuietly(ControlMessage.refuse(m.id(), refusal));
            return;
        }
        long lease = Math.min(m.leaseNanos() <= 0 ? Long.MAX_VALUE : m.leaseNanos(), context.options().maxLease().toNanos());
        MrState mem = null; // owned by the grant, so never tracked as a user's region
        try {
            mem = context.allocate(size, 8);
            grantInternal(mem, 0, size, Access.fromBits(m.access()), lease, m.id(), true);
        } catch (RuntimeException e) {
            synchronized (postLock) {
                budgetUsed -= size;
            }
            if (mem != null) {
                mem.close();
            }
            sendControlQuietly(ControlMessage.refuse(m.id(), "allocation failed: " + e.getMessage()));
        }
    }

    // ------------------------------------------------------------------ grants: holding side

    public CompletableFuture<RemoteMr> acceptGrantAsync() {
        CompletableFuture<RemoteMr> f = new CompletableFuture<>();
        RemoteMrImpl ready;
        synchronized (unclaimedGrants) {
            checkUsable();
            ready = unclaimedGrants.poll();
            if (ready == null) {
                grantWaiters.add(f);
                return f;
            }
        }
        f.complete(ready);
        return f;
    }

    public RemoteMr acceptGrant() {
        Blocking.checkMayBlock("acceptGrant");
        CompletableFuture<RemoteMr> f = acceptGrantAsync();
        try {
            return Blocking.await(f, timeout(), null, "acceptGrant");
        } catch (OperationTimeoutException e) {
            // Give up the place in line: the next grant goes to the next waiter or stays unclaimed.
            synchronized (unclaimedGrants) {
                grantWaiters.remove(f);
            }
            if (!f.cancel(false)) {
                return f.join(); // it arrived just now
            }
            throw e;
        }
    }

    public CompletableFuture<RemoteMr> requestRemoteAsync(long size, Access access, Duration lease) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be > 0, was " + size);
        }
        checkLease(lease);
        checkUsable();
        if (requests.size() >= MAX_PENDING_REQUESTS) {
            throw new RdmaException("too many outstanding requestRemote calls (" + MAX_PENDING_REQUESTS + ")");
        }
        long requestId = nextRequestId.getAndIncrement();
        CompletableFuture<RemoteMr> f = new CompletableFuture<>();
        requests.put(requestId, f);
        try {
            sendControl(ControlMessage.request(requestId, size, access.bits(), lease.toNanos()));
        } catch (RuntimeException e) {
            requests.remove(requestId);
            throw e;
        }
        return f;
    }

    public RemoteMr requestRemote(long size, Access access, Duration lease) {
        Blocking.checkMayBlock("requestRemote");
        CompletableFuture<RemoteMr> f = requestRemoteAsync(size, access, lease);
        try {
            return Blocking.await(f, timeout(), null, "requestRemote");
        } catch (OperationTimeoutException e) {
            // Cancelled: when the grant comes after all, onGrant releases it at once.
            if (!f.cancel(false)) {
                return f.join();
            }
            throw e;
        }
    }

    public void release(RemoteMr remote) {
        if (!(remote instanceof RemoteMrImpl r) || r.owner() != this) {
            throw new IllegalArgumentException("this RemoteMr was not granted on this connection: " + remote);
        }
        if (held.remove(r.grantId()) == null) {
            return;
        }
        r.invalidate();
        if (!closing && broken == null) {
            sendControlQuietly(ControlMessage.release(r.grantId()));
        }
    }

    private void onGrant(ControlMessage m) {
        if (held.size() >= MAX_HELD_GRANTS) {
            throw new ProtocolException("peer made more than " + MAX_HELD_GRANTS + " grants this side holds at once");
        }
        long deadline = System.nanoTime() + Math.min(m.leaseNanos(), MAX_LEASE_NANOS); // absurd leases saturate
        RemoteMrImpl r = new RemoteMrImpl(this, m.id(), m.address(), m.length(), m.rkey(), Access.fromBits(m.access()), deadline);
        if (held.putIfAbsent(m.id(), r) != null) {
            throw new ProtocolException("peer reused grant id " + m.id());
        }
        grantsHeld.incrementAndGet();
        if (m.requestId() != 0) {
            CompletableFuture<RemoteMr> f = requests.remove(m.requestId());
            if (f == null) {
                if (closing || broken != null) {
                    // A request this side failed when it began to close (close fails the requests,
                    // then disconnects): drop the answer; the peer's grant ends with the connection.
                    release(r);
                    return;
                }
                throw new ProtocolException("peer answered request " + m.requestId() + " that this side never made");
            }
            if (!f.complete(r)) {
                release(r); // the caller gave up (timeout or cancel): the peer gets its memory back now
            }
            return;
        }
        while (true) {
            CompletableFuture<RemoteMr> waiter;
            synchronized (unclaimedGrants) {
                waiter = grantWaiters.poll();
                if (waiter == null) {
                    unclaimedGrants.add(r);
                    return;
                }
            }
            if (waiter.complete(r)) {
                return;
            } // a waiter that timed out or was cancelled: the grant goes to the next one
        }
    }

    // ------------------------------------------------------------------ control channel plumbing

    private void sendControl(ControlMessage m) {
        ProviderEndpoint ep = endpoint;
        if (ep == null) {
            throw new ResourceClosedException("the connection is not established");
        }
        ep.sendControl(m.encode());
    }

    private void sendControlQuietly(ControlMessage m) {
        try {
            sendControl(m);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "control message not sent: " + e.getMessage());
        }
    }

    @Override
    public void onControlMessage(MemorySegment message) {
        synchronized (earlyControl) {
            if (endpoint == null) {
                if (earlyControl.size() >= 64) {
                    return;
                }
                MemorySegment copy = MemorySegment.ofArray(new byte[(int) Math.min(message.byteSize(), ControlMessage.MAX_SIZE + 1)]);
                copy.copyFrom(message.asSlice(0, copy.byteSize()));
                earlyControl.add(copy);
                return;
            }
        }
        handleControl(message);
    }

    private void handleControl(MemorySegment message) {
        try {
            ControlMessage m = ControlMessage.decode(message);
            switch (m.type()) {
                case ControlMessage.GRANT -> onGrant(m);
                case ControlMessage.REQUEST -> context.executor().execute(() -> onRequest(m));
                case ControlMessage.REFUSE -> {
                    CompletableFuture<RemoteMr> f = requests.remove(m.id());
                    if (f == null) {
                        if (closing || broken != null) {
                            return; // a request this side failed when it began to close
                        }
                        throw new ProtocolException("peer refused request " + m.id() + " that this side never made");
                    }
                    context.completeError(f, new GrantRefusedException("the peer refused the request: " + m.reason()));
                }
                case ControlMessage.RELEASE -> {
                    GrantState g = given.get(m.id());
                    if (g != null) {
                        context.executor().execute(() -> revokeInBackground(g, false));
                    }
                }
                case ControlMessage.REVOKED -> {
                    RemoteMrImpl r = held.remove(m.id());
                    if (r != null) {
                        r.invalidate();
                    }
                }
                default -> throw new ProtocolException("unhandled control message type " + m.type());
            }
        } catch (ProtocolException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the connection to " + remoteAddressOrUnknown() + ": " + e.getMessage());
            failConnection(e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the connection to " + remoteAddressOrUnknown()
                    + " after an internal error on a control message", e);
            failConnection(new ConnectionClosedException("internal error on a control message: " + e, e));
        }
    }

    @Override
    public void onDisconnected(Throwable cause) {
        RdmaException e = cause instanceof RdmaException re ? re
                : new ConnectionClosedException("the connection to " + remoteAddressOrUnknown() + " was lost: " + cause, cause);
        if (!(e instanceof ConnectionClosedException)) {
            e = new ConnectionClosedException("the connection to " + remoteAddressOrUnknown() + " was lost: " + e.getMessage(), e);
        }
        failConnection(e);
    }

    /** The peer or the protocol broke the connection: fail everything and close it in the background. */
    private void failConnection(RdmaException cause) {
        synchronized (postLock) {
            if (broken == null) {
                broken = cause;
            }
            failWaitingLocked(cause, false);
        }
        failControlWaiters(cause);
        context.executor().execute(this::close);
    }

    private void failControlWaiters(RdmaException cause) {
        for (Long k : List.copyOf(requests.keySet())) {
            CompletableFuture<RemoteMr> f = requests.remove(k);
            if (f != null) {
                context.completeError(f, new ConnectionClosedException("requestRemote: the connection closed", cause));
            }
        }
        List<CompletableFuture<RemoteMr>> waiters;
        synchronized (unclaimedGrants) {
            waiters = List.copyOf(grantWaiters);
            grantWaiters.clear();
        }
        for (CompletableFuture<RemoteMr> f : waiters) {
            context.completeError(f, new ConnectionClosedException("acceptGrant: the connection closed", cause));
        }
    }

    // ------------------------------------------------------------------ close

    public void close() {
        ConnectionClosedException cause = new ConnectionClosedException("the connection to " + remoteAddressOrUnknown() + " was closed");
        boolean already;
        synchronized (postLock) {
            already = closing;
            if (!already) {
                closing = true;
                closer = Thread.currentThread();
                failWaitingLocked(cause, false);
            }
        }
        if (already) {
            awaitClosed(); // outside postLock: the closing thread needs it
            return;
        }
        leak.closed();
        try {
            closeOnce(cause);
        } finally {
            closeDone.countDown();
        }
    }

    /**
     * Another thread is closing (often the background close after a failure): wait for it, so
     * that everything is freed when any close returns. Not on a thread delivering completions
     * (a poller, or a caller polling: the close may need it to drain them) nor in the closing
     * thread itself; boundedly.
     */
    private void awaitClosed() {
        if (Poller.isDelivering() || Thread.currentThread() == closer) {
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (!closeDone.await(30, TimeUnit.SECONDS)) {
                        LOG.log(System.Logger.Level.WARNING, "closing the connection to " + remoteAddressOrUnknown()
                                + " takes more than 30 s; not waiting longer");
                    }
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeOnce(ConnectionClosedException cause) {
        failControlWaiters(cause);
        ProviderEndpoint ep = endpoint;
        if (ep != null) {
            ep.disconnect();
        }
        // Wait, boundedly, for the provider to flush what was posted: their lends end normally.
        // Not on a thread delivering completions: it would wait for flushes only it can poll.
        if (!Poller.isDelivering()) {
            long deadline = System.nanoTime() + Math.min(timeout().toNanos(), TimeUnit.SECONDS.toNanos(5));
            synchronized (postLock) {
                long left;
                flushWaiters++;
                try {
                    while (outstanding > 0 && (left = deadline - System.nanoTime()) > 0) {
                        TimeUnit.NANOSECONDS.timedWait(postLock, left);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    flushWaiters--;
                }
            }
        }
        // No device access after the endpoint is freed: what is still lent can be given back.
        // If it cannot be freed, the device may still reach that memory: it is kept for good.
        boolean deviceDone = true;
        if (ep != null) {
            try {
                ep.close();
            } catch (RuntimeException e) {
                deviceDone = false;
                LOG.log(System.Logger.Level.ERROR, "freeing the endpoint of the connection to " + remoteAddressOrUnknown()
                        + " failed, so the device may still reach the memory of its unfinished operations; that memory"
                        + " is kept out of use for the life of the process", e);
            }
        }
        synchronized (postLock) {
            for (OpSlot s : slots) {
                String what = (s.opcode == null ? "operation" : s.opcode.name()) + " did not complete before the connection closed";
                if (!deviceDone && s.busy && s.activeLend != null && s.activeLend.owner != null) {
                    s.activeLend.owner.keepForever(); // stays lent: the CPU may not write what the device may
                    s.activeLend = null;
                    what += "; the device may still access its memory, which stays lent for good";
                }
                failSlotLocked(s, new ConnectionClosedException(what, cause));
            }
            closed = true;
        }
        for (GrantState g : List.copyOf(given.values())) {
            revokeInBackground(g, false);
        }
        for (RemoteMrImpl r : held.values()) {
            r.invalidate();
        }
        held.clear();
        if (deviceDone) {
            context.pool().free(atomicScratch);
        } else {
            context.pool().pin(); // atomics may still write their results there: never reused, never freed
        }
        context.connectionClosed(this);
    }

    public boolean isOpen() {
        return !closing && broken == null;
    }

    public InetSocketAddress localAddress() {
        ProviderEndpoint ep = endpoint;
        return ep == null ? null : ep.localAddress();
    }

    public InetSocketAddress remoteAddress() {
        ProviderEndpoint ep = endpoint;
        return ep == null ? null : ep.remoteAddress();
    }

    public ConnectionStats stats() {
        synchronized (postLock) {
            return new ConnectionStats(posted, completed, failed, bytesOut, bytesIn,
                    grantsGiven.get(), grantsRevoked.get(), grantsHeld.get());
        }
    }

    boolean isClosed() {
        synchronized (postLock) {
            return closed;
        }
    }

    @Override
    public String toString() {
        return "Connection[" + id + " " + localAddress() + " -> " + remoteAddressOrUnknown() + (isOpen() ? "" : ", closed") + "]";
    }
}
