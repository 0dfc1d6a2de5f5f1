package io.rdma4j.tcp;

import io.rdma4j.ConnectionClosedException;
import io.rdma4j.ProtocolException;
import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.EndpointHandler;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.WorkOpcode;
import io.rdma4j.spi.WorkRequest;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A reliable-connected endpoint over one TCP connection. Both roles of verbs RC live here:
 *
 * <ul>
 *   <li><b>requester</b>: posted work requests get consecutive PSNs, go out as frames straight
 *       from registered memory, and stay in a ring until their response (cumulative ACK, READ or
 *       ATOMIC response, or NAK). A receiver-not-ready NAK makes the requester resend everything
 *       from the NAKed PSN after the RNR delay (go-back-N), as an RC QP does.</li>
 *   <li><b>responder</b> (the event loop playing the NIC): checks each request's rkey, bounds and
 *       access against the registrations granted on this connection only, places WRITE and SEND
 *       payloads straight into registered memory, answers in PSN order.</li>
 * </ul>
 *
 * Threads: posting threads (one at a time per endpoint, the core guarantees it) and the event
 * loop. Lock order: {@code sendLock} before {@code writeLock}; the completion queues' locks are
 * leaves. Failure, flushing and closing run on the event loop, so no completion can race with a
 * provider access to the memory it concerns.
 */
final class TcpEndpoint implements ProviderEndpoint {
    private static final System.Logger LOG = System.getLogger("io.rdma4j.tcp");
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final int IN_BUFFER = 64 * 1024;
    /** Payloads at least this large are read straight into their destination, past the buffer. */
    private static final int DIRECT_READ_MIN = 4096;
    private static final int READ_ROUNDS = 16;
    private static final int GATHER = 64;

    private static final int OPEN = 0;
    private static final int ERROR = 1;
    private static final int CLOSED = 2;

    private static final int HEADER = 0;
    private static final int PAYLOAD = 1;

    private final TcpDevice device;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final EndpointHandler handler;
    private final TcpCompletionQueue sendCq;
    private final TcpCompletionQueue recvCq;
    private final int peerSendDepth;
    private final int rnrRetry;
    private final long rnrDelayNanos;
    private final long silenceNanos;
    private final InetSocketAddress localAddress;
    private final InetSocketAddress remoteAddress;
    private volatile int state = OPEN;
    /** When the peer last sent us anything; the silence timer. */
    private volatile long lastProgress = System.nanoTime();
    private long lastKeepalive = System.nanoTime(); // loop thread
    private final long keepaliveNanos;
    private SelectionKey key;

    // ---- requester (sendLock)
    private final Object sendLock = new Object();
    private PendingRequest[] requests;
    private int reqHead;
    private int reqTail;
    private int nextPsn;
    private int rnrTries;
    private volatile long resendAt; // 0: no resend scheduled; loop thread

    // ---- posted receives (recvLock)
    private final Object recvLock = new Object();
    private PostedReceive[] receives;
    private int recvHead;
    private int recvTail;

    // ---- output (writeLock)
    private final ReentrantLock writeLock = new ReentrantLock();
    private OutFrame[] outRing = new OutFrame[64];
    private int outHead;
    private int outCount;
    private OutFrame[] freeFrames = new OutFrame[64];
    private int freeCount;
    private final ByteBuffer[] gather = new ByteBuffer[GATHER];
    private int responsesQueued;
    private boolean outputClosed;
    private boolean writeInterest;

    // ---- responder and reader (loop thread)
    private final KeyTable<TcpRegistration> peerRegistrations = new KeyTable<>();
    private final ByteBuffer in = ByteBuffer.allocateDirect(IN_BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer control = ByteBuffer.allocate(TcpDevice.LIMITS.maxControlMessageSize());
    private int expectedPsn;
    private boolean discarding; // after an RNR NAK, until the NAKed PSN comes again
    private boolean responderFailed; // after a fatal NAK: requests are ignored until disconnection
    private int pendingAck = -1;
    private boolean hasPendingAck;
    private int readState = HEADER;
    private int curOpcode;
    private int curFlags;
    private int curLength;
    private int curPsn;
    private long curOperand2;
    private int payloadLeft;
    private ByteBuffer dest; // null: skip the payload
    private boolean lastPayloadDirect; // the last header announced a payload worth reading directly
    private TcpRegistration destRegistration; // acquired for the frame being placed
    private PostedReceive curReceive;
    private TcpRegistration readViewOwner;
    private ByteBuffer readView;

    TcpEndpoint(TcpDevice device, SocketChannel channel, EndpointSpec spec, int peerSendDepth) throws IOException {
        this.device = device;
        this.loop = device.nextLoop();
        this.channel = channel;
        this.handler = spec.handler();
        this.sendCq = (TcpCompletionQueue) spec.sendQueue();
        this.recvCq = (TcpCompletionQueue) spec.receiveQueue();
        this.peerSendDepth = peerSendDepth;
        var config = device.config();
        this.rnrRetry = config.rnrRetry();
        this.rnrDelayNanos = Math.max(1, config.rnrDelay().toNanos());
        this.silenceNanos = config.ackTimeout().toNanos() * (config.retryCount() + 1L);
        this.keepaliveNanos = Math.max(1_000_000L, Math.min(config.ackTimeout().toNanos(), silenceNanos / 3));
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.remoteAddress = (InetSocketAddress) channel.getRemoteAddress();
        this.requests = ring(PendingRequest::new, PendingRequest[]::new, spec.sendQueueDepth());
        this.receives = ring(PostedReceive::new, PostedReceive[]::new, spec.receiveQueueDepth());
    }

    private static <T> T[] ring(java.util.function.Supplier<T> make, java.util.function.IntFunction<T[]> array, int depth) {
        T[] r = array.apply(Integer.highestOneBit(Math.max(2, depth) * 2 - 1));
        for (int i = 0; i < r.length; i++) {
            r[i] = make.get();
        }
        return r;
    }

    /** Hands the (still blocking) channel to the event loop; returns once it is selected on. */
    void start() throws IOException {
        channel.configureBlocking(false);
        CountDownLatch done = new CountDownLatch(1);
        IOException[] failure = new IOException[1];
        loop.execute(() -> {
            try {
                key = channel.register(loop.selector(), SelectionKey.OP_READ, this);
                loop.attach(this);
            } catch (IOException e) {
                failure[0] = e;
            } finally {
                done.countDown();
            }
        });
        awaitLatch(done);
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    // ================================================================== posting (core threads)

    @Override
    public void postSend(WorkRequest[] wrs, int offset, int count) {
        boolean locked = false;
        try {
            synchronized (sendLock) {
                if (state != OPEN) {
                    for (int i = offset; i < offset + count; i++) {
                        sendCq.push(wrs[i].wrId(), Wc.WR_FLUSH_ERR, wrs[i].opcode(), 0, 0, false, Wc.VENDOR_NONE);
                    }
                    return;
                }
                writeLock.lock();
                locked = true;
                if (reqHead == reqTail) {
                    long now = System.nanoTime();
                    lastProgress = now; // the silence timer runs from the first outstanding request
                    loop.expectResponse(now);
                }
                for (int i = offset; i < offset + count; i++) {
                    PendingRequest p = nextRequestSlot();
                    fill(p, wrs[i]);
                    p.psn = nextPsn++;
                    reqTail++;
                    enqueueRequest(p);
                }
            }
            flushLocked();
        } finally {
            if (locked) {
                writeLock.unlock();
            }
        }
    }

    /** Requests complete from the head of one ring, in post order, so unsignaled ones can stay silent. */
    @Override
    public boolean selectiveSignaling() {
        return true;
    }

    private PendingRequest nextRequestSlot() {
        if (reqTail - reqHead == requests.length) {
            // The core never posts beyond the queue depth; a larger ring keeps us correct anyway.
            PendingRequest[] bigger = new PendingRequest[requests.length * 2];
            for (int i = 0; i < bigger.length; i++) {
                bigger[i] = i < requests.length ? requests[(reqHead + i) & (requests.length - 1)] : new PendingRequest();
            }
            reqTail -= reqHead;
            reqHead = 0;
            requests = bigger;
        }
        return requests[reqTail & (requests.length - 1)];
    }

    private void fill(PendingRequest p, WorkRequest wr) {
        MemorySegment seg = wr.local();
        TcpRegistration reg = device.local(wr.lkey());
        long off = reg == null ? -1 : seg.address() - reg.address();
        if (reg == null || !reg.contains(off, seg.byteSize())) {
            throw new IllegalArgumentException("local memory of " + wr + " is not inside registration lkey " + wr.lkey());
        }
        p.wrId = wr.wrId();
        p.opcode = wr.opcode();
        p.local = reg;
        p.localOffset = off;
        p.length = (int) seg.byteSize();
        p.remoteAddress = wr.remoteAddress();
        p.rkey = wr.rkey();
        p.signaled = wr.signaled();
        p.flags = 0;
        p.operand = 0;
        p.operand2 = 0;
        switch (wr.opcode()) {
            case WRITE -> p.frameOpcode = Frame.WRITE;
            case WRITE_WITH_IMM -> {
                p.frameOpcode = Frame.WRITE;
                p.flags = Frame.FLAG_IMMEDIATE;
                p.operand2 = wr.immediate() & 0xFFFF_FFFFL;
            }
            case SEND -> p.frameOpcode = Frame.SEND;
            case SEND_WITH_IMM -> {
                p.frameOpcode = Frame.SEND;
                p.flags = Frame.FLAG_IMMEDIATE;
                p.operand2 = wr.immediate() & 0xFFFF_FFFFL;
            }
            case READ -> {
                p.frameOpcode = Frame.READ_REQUEST;
                p.operand = seg.byteSize();
            }
            case COMPARE_AND_SWAP -> {
                p.frameOpcode = Frame.COMPARE_SWAP;
                p.operand = wr.compareOrAdd();
                p.operand2 = wr.swap();
            }
            case FETCH_AND_ADD -> {
                p.frameOpcode = Frame.FETCH_ADD;
                p.operand = wr.compareOrAdd();
            }
            default -> throw new IllegalArgumentException("not a send-side opcode: " + wr.opcode());
        }
        if (p.expectsData() && p.frameOpcode != Frame.READ_REQUEST && p.length != 8) {
            throw new IllegalArgumentException("an atomic's local result must be 8 bytes: " + wr);
        }
    }

    /** Queues the frame of {@code p}; holding writeLock. */
    private void enqueueRequest(PendingRequest p) {
        OutFrame f = frame();
        boolean data = p.frameOpcode == Frame.SEND || p.frameOpcode == Frame.WRITE;
        Frame.put(f.header, 0, p.frameOpcode, p.flags, data ? p.length : 0, p.psn, p.rkey, p.remoteAddress,
                p.operand, p.operand2);
        if (data && p.length > 0) {
            if (p.length <= OutFrame.INLINE_MAX) {
                f.payloadInline(p.local, p.localOffset, p.length);
            } else {
                f.payloadFrom(p.local, p.localOffset, p.length);
            }
        }
        f.opcode = p.frameOpcode;
        offer(f);
    }

    @Override
    public void postReceive(WorkRequest[] wrs, int offset, int count) {
        synchronized (recvLock) {
            for (int i = offset; i < offset + count; i++) {
                WorkRequest wr = wrs[i];
                if (state != OPEN) {
                    recvCq.push(wr.wrId(), Wc.WR_FLUSH_ERR, WorkOpcode.RECV, 0, 0, false, Wc.VENDOR_NONE);
                    continue;
                }
                MemorySegment seg = wr.local();
                TcpRegistration reg = device.local(wr.lkey());
                long off = reg == null ? -1 : seg.address() - reg.address();
                if (reg == null || !reg.contains(off, seg.byteSize())) {
                    throw new IllegalArgumentException("receive memory of " + wr + " is not inside registration lkey " + wr.lkey());
                }
                if (recvTail - recvHead == receives.length) {
                    PostedReceive[] bigger = new PostedReceive[receives.length * 2];
                    for (int k = 0; k < bigger.length; k++) {
                        bigger[k] = k < receives.length ? receives[(recvHead + k) & (receives.length - 1)] : new PostedReceive();
                    }
                    recvTail -= recvHead;
                    recvHead = 0;
                    receives = bigger;
                }
                PostedReceive r = receives[recvTail & (receives.length - 1)];
                r.wrId = wr.wrId();
                r.local = reg;
                r.offset = off;
                r.length = (int) seg.byteSize();
                recvTail++;
            }
        }
    }

    @Override
    public MemoryRegistration registerForPeer(MemorySegment segment, int access) {
        if (state == CLOSED) {
            throw new io.rdma4j.ResourceClosedException("the endpoint is closed");
        }
        TcpRegistration r = new TcpRegistration(device, this, segment, device.nextKey(), access);
        peerRegistrations.put(r.rkey(), r);
        return r;
    }

    void forgetPeerRegistration(TcpRegistration r) {
        peerRegistrations.remove(r.rkey());
    }

    @Override
    public void sendControl(MemorySegment message) {
        int n = (int) message.byteSize();
        if (n > TcpDevice.LIMITS.maxControlMessageSize()) {
            throw new IllegalArgumentException("control message of " + n + " bytes exceeds the limit");
        }
        ByteBuffer copy = ByteBuffer.allocate(n);
        copy.put(message.asByteBuffer()).flip();
        writeLock.lock();
        try {
            if (state != OPEN) {
                return;
            }
            OutFrame f = frame();
            Frame.put(f.header, 0, Frame.CONTROL, 0, n, 0, 0, 0, 0, 0);
            f.payload = copy;
            f.opcode = Frame.CONTROL;
            offer(f);
            flushLocked();
        } finally {
            writeLock.unlock();
        }
    }

    // ================================================================== output (writeLock)

    private OutFrame frame() {
        return freeCount > 0 ? freeFrames[--freeCount] : new OutFrame();
    }

    private void recycle(OutFrame f) {
        if (f.response) {
            responsesQueued--;
        }
        f.reset();
        if (freeCount == freeFrames.length) {
            freeFrames = java.util.Arrays.copyOf(freeFrames, freeFrames.length * 2);
        }
        freeFrames[freeCount++] = f;
    }

    private void offer(OutFrame f) {
        if (outCount == outRing.length) {
            OutFrame[] bigger = new OutFrame[outRing.length * 2];
            for (int i = 0; i < outCount; i++) {
                bigger[i] = outRing[(outHead + i) & (outRing.length - 1)];
            }
            outRing = bigger;
            outHead = 0;
        }
        outRing[(outHead + outCount) & (outRing.length - 1)] = f;
        outCount++;
        if (f.response) {
            responsesQueued++;
        }
    }

    /** Writes what the socket takes now, never blocking; asks the loop for the rest. */
    private void flushLocked() {
        if (outputClosed) {
            dropOutputLocked();
            return;
        }
        try {
            while (outCount > 0) {
                int n = 0;
                for (int i = 0; i < outCount && n < GATHER - 1; i++) {
                    OutFrame f = outRing[(outHead + i) & (outRing.length - 1)];
                    if (f.header.hasRemaining()) {
                        gather[n++] = f.header;
                    }
                    if (f.payload != null && f.payload.hasRemaining()) {
                        gather[n++] = f.payload;
                    }
                }
                long written = channel.write(gather, 0, n);
                java.util.Arrays.fill(gather, 0, n, null);
                while (outCount > 0 && outRing[outHead].written()) {
                    OutFrame f = outRing[outHead];
                    outRing[outHead] = null;
                    outHead = (outHead + 1) & (outRing.length - 1);
                    outCount--;
                    recycle(f);
                }
                if (written == 0) {
                    break;
                }
                // Not progress for the silence timer: the kernel takes bytes for a peer that is gone.
            }
        } catch (IOException e) {
            outputClosed = true;
            dropOutputLocked();
            loop.execute(() -> failLocal(connectionLost(e), Wc.RETRY_EXC_ERR, Wc.VENDOR_PEER_CLOSED, true));
        }
        boolean want = outCount > 0;
        if (want != writeInterest && key != null && key.isValid()) {
            writeInterest = want;
            key.interestOps(SelectionKey.OP_READ | (want ? SelectionKey.OP_WRITE : 0));
            if (!loop.inLoop()) {
                loop.wakeup();
            }
        }
    }

    private void dropOutputLocked() {
        while (outCount > 0) {
            OutFrame f = outRing[outHead];
            outRing[outHead] = null;
            outHead = (outHead + 1) & (outRing.length - 1);
            outCount--;
            recycle(f);
        }
    }

    // ================================================================== event loop

    void onReady(SelectionKey k) {
        if (state != OPEN || !k.isValid()) {
            return;
        }
        int ready = k.readyOps();
        if ((ready & SelectionKey.OP_READ) != 0) {
            onReadable();
        }
        if (state == OPEN && (ready & SelectionKey.OP_WRITE) != 0) {
            writeLock.lock();
            try {
                flushLocked();
            } finally {
                writeLock.unlock();
            }
        }
    }

    private void onReadable() {
        try {
            for (int round = 0; round < READ_ROUNDS && state == OPEN; round++) {
                int n;
                // A read that does not fill its buffer has drained the socket (for now): stop
                // there rather than pay a read that returns nothing. The selector is level
                // triggered, so bytes that arrive meanwhile bring the loop straight back.
                boolean drained;
                if (readState == PAYLOAD && dest != null && in.position() == 0 && payloadLeft >= DIRECT_READ_MIN) {
                    int space = dest.remaining();
                    n = channel.read(dest); // straight into registered memory
                    if (n > 0) {
                        lastProgress = System.nanoTime();
                        payloadLeft -= n;
                        if (payloadLeft == 0) {
                            finishFrame();
                        }
                    }
                    drained = n > 0 && n < space;
                } else {
                    if (readState == HEADER && in.position() == 0 && lastPayloadDirect) {
                        // After a large payload, read only the next header: its payload then goes
                        // straight into registered memory instead of through `in` (a second copy).
                        in.limit(Frame.HEADER_SIZE);
                    }
                    int space = in.remaining();
                    n = channel.read(in);
                    if (n > 0) {
                        lastProgress = System.nanoTime();
                    }
                    drained = n > 0 && n < space;
                    in.flip();
                    parse();
                    in.compact();
                }
                if (n < 0) {
                    failLocal(new ConnectionClosedException("the peer " + remoteAddress + " closed the connection"),
                            Wc.RETRY_EXC_ERR, Wc.VENDOR_PEER_CLOSED, true);
                    return;
                }
                if (n == 0 || drained) {
                    break;
                }
            }
            if (state == OPEN) {
                writeLock.lock();
                try {
                    emitPendingAckLocked();
                    flushLocked();
                } finally {
                    writeLock.unlock();
                }
            }
        } catch (IOException e) {
            failLocal(connectionLost(e), Wc.RETRY_EXC_ERR, Wc.VENDOR_PEER_CLOSED, true);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "tcp provider: internal error on the connection to " + remoteAddress, e);
            failLocal(new ConnectionClosedException("internal error in the tcp provider: " + e, e), Wc.WR_FLUSH_ERR,
                    Wc.VENDOR_PROTOCOL, true);
        }
    }

    private ConnectionClosedException connectionLost(IOException e) {
        return new ConnectionClosedException("the connection to " + remoteAddress + " was lost: " + e.getMessage(), e);
    }

    /** Consumes whole headers and payload bytes from {@code in} (in read mode). */
    private void parse() {
        while (state == OPEN) {
            if (readState == HEADER) {
                if (in.remaining() < Frame.HEADER_SIZE) {
                    return;
                }
                int p = in.position();
                int magic = in.get(p + Frame.OFF_MAGIC);
                int opcode = in.get(p + Frame.OFF_OPCODE) & 0xFF;
                int flags = in.getShort(p + Frame.OFF_FLAGS) & 0xFFFF;
                int length = in.getInt(p + Frame.OFF_LENGTH);
                int psn = in.getInt(p + Frame.OFF_PSN);
                int key = in.getInt(p + Frame.OFF_KEY);
                long address = in.getLong(p + Frame.OFF_ADDRESS);
                long operand = in.getLong(p + Frame.OFF_OPERAND);
                long operand2 = in.getLong(p + Frame.OFF_OPERAND2);
                in.position(p + Frame.HEADER_SIZE);
                String bad = Frame.check(magic, opcode, flags, length, TcpDevice.LIMITS.maxMessageSize(),
                        TcpDevice.LIMITS.maxControlMessageSize());
                if (bad != null) {
                    protocolError(bad);
                    return;
                }
                curOpcode = opcode;
                curFlags = flags;
                curLength = length;
                curPsn = psn;
                curOperand2 = operand2;
                dest = null;
                payloadLeft = length;
                startFrame(opcode, flags, length, psn, key, address, operand, operand2);
                if (state != OPEN) {
                    return;
                }
                lastPayloadDirect = dest != null && payloadLeft >= DIRECT_READ_MIN;
                if (payloadLeft == 0) {
                    finishFrame();
                    continue;
                }
                readState = PAYLOAD;
            }
            int k = Math.min(in.remaining(), payloadLeft);
            if (k == 0) {
                return;
            }
            if (dest != null) {
                int limit = in.limit();
                in.limit(in.position() + k);
                dest.put(in);
                in.limit(limit);
            } else {
                in.position(in.position() + k);
            }
            payloadLeft -= k;
            if (payloadLeft > 0) {
                return;
            }
            finishFrame();
        }
    }

    private void startFrame(int opcode, int flags, int length, int psn, int key, long address, long operand, long operand2) {
        switch (opcode) {
            case Frame.SEND, Frame.WRITE, Frame.READ_REQUEST, Frame.COMPARE_SWAP, Frame.FETCH_ADD ->
                    startRequest(opcode, flags, length, psn, key, address, operand, operand2);
            case Frame.ACK -> onAck(psn);
            case Frame.NAK -> onNak(psn, key);
            case Frame.READ_RESPONSE -> startReadResponse(psn, length);
            case Frame.ATOMIC_RESPONSE -> onAtomicResponse(psn, operand);
            case Frame.CONTROL -> {
                control.clear().limit(length);
                dest = control;
            }
            case Frame.KEEPALIVE -> { } // its arrival already restarted the silence timer
            case Frame.DISCONNECT -> failLocal(new ConnectionClosedException("the peer " + remoteAddress
                    + " disconnected"), Wc.WR_FLUSH_ERR, Wc.VENDOR_PEER_CLOSED, true);
            default -> protocolError("unexpected opcode " + Frame.opcodeName(opcode));
        }
    }

    private void finishFrame() {
        readState = HEADER;
        ByteBuffer d = dest;
        dest = null;
        if (d == null) {
            return; // skipped
        }
        switch (curOpcode) {
            case Frame.WRITE -> {
                destRegistration.release();
                destRegistration = null;
                if ((curFlags & Frame.FLAG_IMMEDIATE) != 0) {
                    completeReceive(WorkOpcode.RECV_RDMA_WITH_IMM, curLength, true);
                }
                ack(curPsn);
            }
            case Frame.SEND -> {
                completeReceive(WorkOpcode.RECV, curLength, (curFlags & Frame.FLAG_IMMEDIATE) != 0);
                ack(curPsn);
            }
            case Frame.READ_RESPONSE -> {
                synchronized (sendLock) {
                    completeHeadLocked(Wc.SUCCESS, curLength, Wc.VENDOR_NONE);
                }
            }
            case Frame.CONTROL -> {
                control.flip();
                try {
                    handler.onControlMessage(MemorySegment.ofBuffer(control));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "control message handler failed", e);
                }
            }
            default -> { }
        }
    }

    // ---- responder

    private void startRequest(int opcode, int flags, int length, int psn, int key, long address, long operand, long operand2) {
        if (responderFailed) {
            return; // skip: the connection is going down
        }
        if (psn != expectedPsn) {
            if (!discarding) {
                protocolError("request PSN " + psn + " where " + expectedPsn + " was expected");
            }
            return; // sent before our RNR NAK arrived: the requester resends it
        }
        discarding = false;
        if (responsesQueued > 2 * peerSendDepth + 64) {
            protocolError("the peer sends requests without reading the responses (" + responsesQueued + " queued)");
            return;
        }
        switch (opcode) {
            case Frame.WRITE -> {
                TcpRegistration reg = length == 0 && key == 0 ? null : checkedRegistration(key, address, length,
                        AccessFlags.REMOTE_WRITE, psn);
                if (reg == null && !(length == 0 && key == 0)) {
                    return;
                }
                if ((flags & Frame.FLAG_IMMEDIATE) != 0 && (curReceive = peekReceive()) == null) {
                    if (reg != null) {
                        reg.release();
                    }
                    nakReceiverNotReady(psn);
                    return;
                }
                if (length == 0) {
                    if (reg != null) {
                        reg.release();
                    }
                    if ((flags & Frame.FLAG_IMMEDIATE) != 0) {
                        completeReceive(WorkOpcode.RECV_RDMA_WITH_IMM, 0, true);
                    }
                    ack(psn);
                    return;
                }
                destRegistration = reg;
                dest = readView(reg, address - reg.address(), length);
            }
            case Frame.SEND -> {
                PostedReceive r = peekReceive();
                if (r == null) {
                    nakReceiverNotReady(psn);
                    return;
                }
                if (length > r.length) {
                    curReceive = r;
                    completeReceiveWith(Wc.LOC_LEN_ERR, WorkOpcode.RECV, 0, false);
                    nakFatal(psn, Frame.NAK_INVALID_REQUEST);
                    return;
                }
                curReceive = r;
                if (length == 0) {
                    completeReceive(WorkOpcode.RECV, 0, (flags & Frame.FLAG_IMMEDIATE) != 0);
                    ack(psn);
                    return;
                }
                dest = readView(r.local, r.offset, length);
            }
            case Frame.READ_REQUEST -> {
                if (operand < 0 || operand > TcpDevice.LIMITS.maxMessageSize()) {
                    nakFatal(psn, Frame.NAK_INVALID_REQUEST);
                    return;
                }
                int n = (int) operand;
                TcpRegistration reg = checkedRegistration(key, address, n, AccessFlags.REMOTE_READ, psn);
                if (reg == null) {
                    return;
                }
                expectedPsn++;
                writeLock.lock();
                try {
                    emitPendingAckLocked();
                    OutFrame f = frame();
                    Frame.put(f.header, 0, Frame.READ_RESPONSE, 0, n, psn, 0, 0, 0, 0);
                    if (n > 0) {
                        f.payloadFrom(reg, address - reg.address(), n);
                        f.acquired = reg; // released once written: deregistration waits for it
                    } else {
                        reg.release();
                    }
                    f.response = true;
                    f.opcode = Frame.READ_RESPONSE;
                    offer(f);
                } finally {
                    writeLock.unlock();
                }
            }
            case Frame.COMPARE_SWAP, Frame.FETCH_ADD -> {
                if ((address & 7) != 0) {
                    nakFatal(psn, Frame.NAK_INVALID_REQUEST);
                    return;
                }
                TcpRegistration reg = checkedRegistration(key, address, 8, AccessFlags.REMOTE_ATOMIC, psn);
                if (reg == null) {
                    return;
                }
                long old;
                try {
                    long off = address - reg.address();
                    old = opcode == Frame.FETCH_ADD
                            ? (long) LONG.getAndAdd(reg.segment(), off, operand)
                            : (long) LONG.compareAndExchange(reg.segment(), off, operand, operand2);
                } finally {
                    reg.release();
                }
                expectedPsn++;
                respond(Frame.ATOMIC_RESPONSE, psn, 0, old);
            }
            default -> protocolError("not a request: " + Frame.opcodeName(opcode));
        }
    }

    /** The registration {@code key} names on this connection, acquired, if the access is allowed; else NAKs. */
    private TcpRegistration checkedRegistration(int key, long address, long length, int accessBit, int psn) {
        TcpRegistration reg = peerRegistrations.get(key);
        if (reg == null || (reg.access() & accessBit) == 0 || !reg.contains(address - reg.address(), length)
                || !reg.acquire()) {
            nakFatal(psn, Frame.NAK_REMOTE_ACCESS);
            return null;
        }
        return reg;
    }

    private ByteBuffer readView(TcpRegistration reg, long offset, int length) {
        if (readViewOwner != reg) {
            readViewOwner = reg;
            readView = null;
        }
        readView = reg.view(readView, offset, length);
        return readView;
    }

    private PostedReceive peekReceive() {
        synchronized (recvLock) {
            return recvHead == recvTail ? null : receives[recvHead & (receives.length - 1)];
        }
    }

    private void completeReceive(WorkOpcode opcode, int length, boolean immediate) {
        completeReceiveWith(Wc.SUCCESS, opcode, length, immediate);
    }

    private void completeReceiveWith(int status, WorkOpcode opcode, int length, boolean immediate) {
        long wrId;
        synchronized (recvLock) {
            wrId = curReceive.wrId;
            recvHead++;
        }
        curReceive = null;
        recvCq.push(wrId, status, opcode, length, immediate ? (int) curOperand2 : 0, immediate, Wc.VENDOR_NONE);
    }

    private void ack(int psn) {
        expectedPsn = psn + 1;
        pendingAck = psn;
        hasPendingAck = true;
    }

    private void emitPendingAckLocked() {
        if (!hasPendingAck) {
            return;
        }
        hasPendingAck = false;
        // Cumulative: an ACK not yet started on the wire just moves forward.
        if (outCount > 0) {
            OutFrame last = outRing[(outHead + outCount - 1) & (outRing.length - 1)];
            if (last.opcode == Frame.ACK && last.untouched()) {
                last.header.putInt(Frame.OFF_PSN, pendingAck);
                return;
            }
        }
        OutFrame f = frame();
        Frame.put(f.header, 0, Frame.ACK, 0, 0, pendingAck, 0, 0, 0, 0);
        f.opcode = Frame.ACK;
        f.response = true;
        offer(f);
    }

    private void respond(int opcode, int psn, int key, long operand) {
        writeLock.lock();
        try {
            emitPendingAckLocked();
            OutFrame f = frame();
            Frame.put(f.header, 0, opcode, 0, 0, psn, key, 0, operand, 0);
            f.opcode = opcode;
            f.response = true;
            offer(f);
        } finally {
            writeLock.unlock();
        }
    }

    private void nakReceiverNotReady(int psn) {
        discarding = true; // what follows was sent before the requester saw the NAK
        respond(Frame.NAK, psn, Frame.NAK_RNR, 0);
    }

    private void nakFatal(int psn, int syndrome) {
        responderFailed = true;
        respond(Frame.NAK, psn, syndrome, 0);
    }

    // ---- requester: responses

    private static boolean after(int a, int b) {
        return a - b > 0;
    }

    private void onAck(int psn) {
        synchronized (sendLock) {
            if (after(psn, nextPsn - 1)) {
                protocolError("ACK of PSN " + psn + " which was never sent");
                return;
            }
            ackBeforeLocked(psn + 1);
        }
    }

    /** Completes the requests before {@code psn}, which a later response implies were done. */
    private void ackBeforeLocked(int psn) {
        while (reqHead != reqTail) {
            PendingRequest p = requests[reqHead & (requests.length - 1)];
            if (!after(psn, p.psn)) {
                return;
            }
            if (p.expectsData()) {
                protocolError("response to PSN " + psn + " skips the answer to " + p.opcode + " PSN " + p.psn);
                return;
            }
            completeHeadLocked(Wc.SUCCESS, 0, Wc.VENDOR_NONE);
            rnrTries = 0;
        }
    }

    /** The head request answered by a response for {@code psn}, or null after a protocol error. */
    private PendingRequest headFor(int psn, String what) {
        ackBeforeLocked(psn);
        if (state != OPEN) {
            return null;
        }
        PendingRequest p = reqHead == reqTail ? null : requests[reqHead & (requests.length - 1)];
        if (p == null || p.psn != psn) {
            protocolError(what + " for PSN " + psn + " which is not outstanding");
            return null;
        }
        return p;
    }

    private void onNak(int psn, int syndrome) {
        synchronized (sendLock) {
            PendingRequest p = headFor(psn, "NAK");
            if (p == null) {
                return;
            }
            switch (syndrome) {
                case Frame.NAK_RNR -> {
                    rnrTries++;
                    if (rnrRetry != 7 && rnrTries > rnrRetry) {
                        failLocal(new ConnectionClosedException("receiver not ready"), Wc.RNR_RETRY_EXC_ERR,
                                Wc.VENDOR_NONE, false);
                    } else if (resendAt == 0) {
                        // Retrying forever (7) backs off up to 64x the delay: a receiver that
                        // posts late should not cost a resend of every payload each millisecond.
                        long delay = rnrRetry == 7 ? rnrDelayNanos << Math.min(rnrTries - 1, 6) : rnrDelayNanos;
                        long t = System.nanoTime() + delay;
                        resendAt = t == 0 ? 1 : t;
                    }
                }
                case Frame.NAK_REMOTE_ACCESS -> failLocal(new ConnectionClosedException("remote access error"),
                        Wc.REM_ACCESS_ERR, Wc.VENDOR_NONE, false);
                case Frame.NAK_INVALID_REQUEST -> failLocal(new ConnectionClosedException("remote invalid request"),
                        Wc.REM_INV_REQ_ERR, Wc.VENDOR_NONE, false);
                case Frame.NAK_REMOTE_OPERATION -> failLocal(new ConnectionClosedException("remote operation error"),
                        Wc.REM_OP_ERR, Wc.VENDOR_NONE, false);
                default -> protocolError("NAK with unknown syndrome " + syndrome);
            }
        }
    }

    private void startReadResponse(int psn, int length) {
        synchronized (sendLock) {
            PendingRequest p = headFor(psn, "READ response");
            if (p == null) {
                return;
            }
            if (p.frameOpcode != Frame.READ_REQUEST || p.length != length) {
                protocolError("READ response of " + length + " bytes for " + p.opcode + " of " + p.length);
                return;
            }
            if (length == 0) {
                completeHeadLocked(Wc.SUCCESS, 0, Wc.VENDOR_NONE);
                return;
            }
            dest = readView(p.local, p.localOffset, length);
        }
    }

    private void onAtomicResponse(int psn, long old) {
        synchronized (sendLock) {
            PendingRequest p = headFor(psn, "ATOMIC response");
            if (p == null) {
                return;
            }
            if (p.frameOpcode != Frame.COMPARE_SWAP && p.frameOpcode != Frame.FETCH_ADD) {
                protocolError("ATOMIC response for " + p.opcode);
                return;
            }
            p.local.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, p.localOffset, old);
            completeHeadLocked(Wc.SUCCESS, 8, Wc.VENDOR_NONE);
        }
    }

    private void completeHeadLocked(int status, int length, int vendor) {
        PendingRequest p = requests[reqHead & (requests.length - 1)];
        reqHead++;
        p.local = null;
        if (status == Wc.SUCCESS && !p.signaled) {
            return; // a later signaled request's completion stands for it (selectiveSignaling)
        }
        sendCq.push(p.wrId, status, p.opcode, status == Wc.SUCCESS && p.frameOpcode == Frame.READ_REQUEST ? length : 0,
                0, false, vendor);
    }

    // ---- timers (loop thread)

    long timerDeadline() {
        return resendAt;
    }

    void onTick(long now) {
        if (state != OPEN) {
            return;
        }
        long at = resendAt;
        if (at != 0 && now - at >= 0) {
            resendAt = 0;
            synchronized (sendLock) {
                writeLock.lock();
                try {
                    for (int i = reqHead; i != reqTail; i++) {
                        enqueueRequest(requests[i & (requests.length - 1)]);
                    }
                    flushLocked();
                } finally {
                    writeLock.unlock();
                }
            }
        }
        if (state == OPEN && now - lastKeepalive >= keepaliveNanos) {
            // Every ack timeout a KEEPALIVE goes out when nothing else is queued, so the peer
            // hears from us even when both sides are idle: a cut link is found with nothing posted.
            lastKeepalive = now;
            writeLock.lock();
            try {
                if (outCount == 0 && !outputClosed) {
                    OutFrame f = frame();
                    Frame.put(f.header, 0, Frame.KEEPALIVE, 0, 0, 0, 0, 0, 0, 0);
                    f.opcode = Frame.KEEPALIVE;
                    offer(f);
                    flushLocked();
                }
            } finally {
                writeLock.unlock();
            }
        }
        if (state == OPEN && now - lastProgress > silenceNanos) {
            failLocal(new ConnectionClosedException("the peer " + remoteAddress + " sent nothing for "
                    + TimeUnit.NANOSECONDS.toMillis(silenceNanos) + " ms (not even a keepalive): the link or the peer is gone"),
                    Wc.RETRY_EXC_ERR, Wc.VENDOR_PEER_SILENT, true);
        }
    }

    // ================================================================== failure and teardown

    private void protocolError(String what) {
        LOG.log(System.Logger.Level.WARNING, "tcp provider: closing the connection to " + remoteAddress
                + ": protocol violation: " + what);
        failLocal(new ProtocolException("the peer " + remoteAddress + " broke the tcp provider's protocol: " + what),
                Wc.BAD_RESP_ERR, Wc.VENDOR_PROTOCOL, true);
    }

    /**
     * Moves to the error state, on the loop thread: tells the peer, stops all I/O, completes the
     * first outstanding request with {@code firstStatus} and flushes every other one and every
     * posted receive. After this no frame is read and no registered memory is touched.
     */
    private void failLocal(Throwable cause, int firstStatus, int vendor, boolean tellHandler) {
        if (state != OPEN) {
            return;
        }
        synchronized (sendLock) {
            synchronized (recvLock) {
                state = ERROR;
            }
        }
        writeLock.lock();
        try {
            dropOutputLocked();
            if (!outputClosed) {
                OutFrame f = frame();
                Frame.put(f.header, 0, Frame.DISCONNECT, 0, 0, 0, 0, 0, 0, 0);
                f.opcode = Frame.DISCONNECT;
                offer(f);
                flushLocked(); // best effort: the peer learns it now rather than from the EOF
                dropOutputLocked();
                outputClosed = true;
            }
        } finally {
            writeLock.unlock();
        }
        if (destRegistration != null) {
            destRegistration.release();
            destRegistration = null;
        }
        dest = null;
        resendAt = 0;
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        synchronized (sendLock) {
            boolean first = true;
            while (reqHead != reqTail) {
                completeHeadLocked(first ? firstStatus : Wc.WR_FLUSH_ERR, 0, first ? vendor : Wc.VENDOR_NONE);
                first = false;
            }
        }
        synchronized (recvLock) {
            while (recvHead != recvTail) {
                PostedReceive r = receives[recvHead & (receives.length - 1)];
                recvHead++;
                recvCq.push(r.wrId, Wc.WR_FLUSH_ERR, WorkOpcode.RECV, 0, 0, false, Wc.VENDOR_NONE);
            }
        }
        if (tellHandler) {
            try {
                handler.onDisconnected(cause);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "disconnect handler failed", e);
            }
        }
    }

    /** Breaks the connection from any thread, e.g. when a stalled peer holds up a deregistration. */
    void abort(Throwable cause) {
        runOnLoop(() -> failLocal(cause, Wc.WR_FLUSH_ERR, Wc.VENDOR_PEER_SILENT, true), false);
    }

    @Override
    public void disconnect() {
        runOnLoop(() -> failLocal(new ConnectionClosedException("the connection was closed locally"), Wc.WR_FLUSH_ERR,
                Wc.VENDOR_NONE, false), false);
    }

    @Override
    public void close() {
        runOnLoop(() -> {
            failLocal(new ConnectionClosedException("the connection was closed locally"), Wc.WR_FLUSH_ERR,
                    Wc.VENDOR_NONE, false);
            if (state != CLOSED) {
                state = CLOSED;
                loop.detach(this);
            }
        }, true);
    }

    private void runOnLoop(Runnable r, boolean wait) {
        if (loop.inLoop()) {
            r.run();
            return;
        }
        if (!wait) {
            loop.execute(r);
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                r.run();
            } finally {
                done.countDown();
            }
        });
        awaitLatch(done);
    }

    private static void awaitLatch(CountDownLatch done) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (done.await(30, TimeUnit.SECONDS)) {
                        return;
                    }
                    LOG.log(System.Logger.Level.WARNING, "tcp provider: event loop slow to answer; still waiting");
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

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String toString() {
        return "TcpEndpoint[" + localAddress + " -> " + remoteAddress + "]";
    }
}
