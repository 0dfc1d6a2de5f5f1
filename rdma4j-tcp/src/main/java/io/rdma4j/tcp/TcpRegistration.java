package io.rdma4j.tcp;

import io.rdma4j.spi.MemoryRegistration;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Registered memory. The provider threads that play the NIC {@link #acquire} it around every
 * access, so {@link #close} can promise what deregistration promises on verbs: once it returns,
 * no access is in progress and none will start.
 */
final class TcpRegistration implements MemoryRegistration {
    private static final long CLOSE_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final TcpDevice device;
    private final TcpEndpoint peerEndpoint; // null for a local registration
    private final MemorySegment segment;
    private final int key;
    private final int access;
    /** A view of the whole segment for channel I/O, or null when it is larger than 2 GiB. */
    private final ByteBuffer buffer;
    private final AtomicInteger users = new AtomicInteger();
    private volatile boolean closed;

    TcpRegistration(TcpDevice device, TcpEndpoint peerEndpoint, MemorySegment segment, int key, int access) {
        this.device = device;
        this.peerEndpoint = peerEndpoint;
        this.segment = segment;
        this.key = key;
        this.access = access;
        this.buffer = segment.byteSize() <= Integer.MAX_VALUE
                ? segment.asByteBuffer().order(ByteOrder.nativeOrder()) : null;
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public int lkey() {
        return key;
    }

    @Override
    public int rkey() {
        return key;
    }

    @Override
    public int access() {
        return access;
    }

    long address() {
        return segment.address();
    }

    long size() {
        return segment.byteSize();
    }

    /** Whether {@code [offset, offset + length)} lies inside. */
    boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= segment.byteSize() - length;
    }

    /**
     * A buffer over {@code [offset, offset + length)}. Reuses {@code reuse}, which the caller
     * got from this registration earlier (or null), so the steady state allocates nothing.
     */
    ByteBuffer view(ByteBuffer reuse, long offset, int length) {
        if (buffer == null) {
            return segment.asSlice(offset, length).asByteBuffer();
        }
        ByteBuffer b = reuse != null ? reuse : buffer.duplicate();
        b.limit(b.capacity()).position((int) offset).limit((int) offset + length);
        return b;
    }

    /** Starts an access by the provider; false when closed (the key is dead). */
    boolean acquire() {
        users.incrementAndGet();
        if (closed) {
            release();
            return false;
        }
        return true;
    }

    void release() {
        if (users.decrementAndGet() == 0 && closed) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        device.forget(this);
        if (peerEndpoint != null) {
            peerEndpoint.forgetPeerRegistration(this);
        }
        // An access in progress is a frame being applied or a READ response being sent. It ends
        // soon unless the peer stalls mid-frame; then the endpoint is aborted, which ends it.
        if (!awaitIdle(CLOSE_PATIENCE_NANOS) && peerEndpoint != null) {
            peerEndpoint.abort(new io.rdma4j.ConnectionClosedException(
                    "a grant was revoked while the peer stalled in the middle of an access to it"));
            awaitIdle(Long.MAX_VALUE);
        }
    }

    private boolean awaitIdle(long nanos) {
        long deadline = System.nanoTime() + nanos;
        synchronized (this) {
            boolean interrupted = false;
            try {
                while (users.get() > 0) {
                    long left = deadline - System.nanoTime();
                    if (nanos != Long.MAX_VALUE && left <= 0) {
                        return false;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, nanos == Long.MAX_VALUE ? TimeUnit.MILLISECONDS.toNanos(100) : left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                return true;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "TcpRegistration[key=" + key + " 0x" + Long.toHexString(segment.address()) + "+" + segment.byteSize()
                + (closed ? " closed" : "") + "]";
    }
}
