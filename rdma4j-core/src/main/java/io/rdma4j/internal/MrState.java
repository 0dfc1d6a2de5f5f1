package io.rdma4j.internal;

import io.rdma4j.MemoryInUseException;
import io.rdma4j.ResourceClosedException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The state behind a {@link LocalMrImpl} handle: the block, its lends and its grants. Kept apart
 * from the handle so the leak detector's cleaner can free a forgotten region without keeping the
 * handle reachable, and so in-flight operations hold the state, not the user's handle.
 *
 * <p>Lifecycle: open; then closed (the handle is unusable) while lends or grants remain; then
 * freed (grants revoked and deregistered first, then the block goes back to the pool). Memory
 * the device may still reach after a failure is never freed ({@link #keepForever}).
 */
final class MrState {
    private final ContextState context;
    private final MemoryPool.Block block;
    final MemorySegment segment;
    final long size;
    final int lkey;
    private final List<GrantState> grants = new ArrayList<>(0);
    private Lend lends;
    /**
     * How many of {@link #lends} are exclusive. A shared lend conflicts only with an exclusive
     * one, so while there is none it needs no scan: a bandwidth run's WRITEs, 128 in flight on
     * one region, otherwise walked the whole list for every post.
     */
    private int exclusiveLends;
    private boolean closed;
    private boolean freed;
    /** The device may still reach this memory (see {@link #keepForever}), so it is never reused. */
    private boolean kept;
    final LeakTracker.Slot leak = new LeakTracker.Slot();

    MrState(ContextState context, MemoryPool.Block block) {
        this.context = context;
        this.block = block;
        this.segment = block.segment();
        this.size = segment.byteSize();
        this.lkey = block.lkey();
    }

    /**
     * Lends a range to the device or a view; fails at once on conflict.
     *
     * @param l a lend not currently linked
     * @param offset first byte
     * @param length bytes
     * @param exclusive whether nothing else may touch the range
     * @param what the operation, for the message
     */
    synchronized void lend(Lend l, long offset, long length, boolean exclusive, String what) {
        checkOpen();
        for (Lend x = exclusive || exclusiveLends > 0 ? lends : null; x != null; x = x.next) {
            if (x.overlaps(offset, length) && (exclusive || x.exclusive)) {
                throw new MemoryInUseException(what + " of bytes [" + offset + ", " + (offset + length)
                        + ") conflicts with bytes [" + x.offset + ", " + (x.offset + x.length) + ") lent "
                        + (x.exclusive ? "exclusively" : "shared")
                        + "; wait for that operation to complete or use another range");
            }
        }
        l.owner = this;
        l.offset = offset;
        l.length = length;
        l.exclusive = exclusive;
        l.prev = null;
        l.next = lends;
        if (lends != null) {
            lends.prev = l;
        }
        lends = l;
        if (exclusive) {
            exclusiveLends++;
        }
    }

    /** Ends a lend; frees the region when it was closed and this was the last one. */
    void unlend(Lend l) {
        boolean free;
        synchronized (this) {
            if (l.owner != this) {
                return;
            }
            if (l.prev != null) {
                l.prev.next = l.next;
            } else {
                lends = l.next;
            }
            if (l.next != null) {
                l.next.prev = l.prev;
            }
            if (l.exclusive) {
                exclusiveLends--;
            }
            l.owner = null;
            l.prev = null;
            l.next = null;
            free = closed && lends == null && !freed;
            if (free) {
                freed = true;
            }
        }
        if (free) {
            release();
        }
    }

    /**
     * Checks that the CPU may touch a range now; the caller copies while holding this lock.
     *
     * @param offset first byte
     * @param length bytes
     * @param write whether the CPU writes
     */
    void checkCpuAccess(long offset, long length, boolean write) {
        checkOpen();
        for (Lend x = write || exclusiveLends > 0 ? lends : null; x != null; x = x.next) {
            if (x.overlaps(offset, length) && (write || x.exclusive)) {
                throw new MemoryInUseException((write ? "writing" : "reading") + " bytes [" + offset + ", "
                        + (offset + length) + ") conflicts with bytes [" + x.offset + ", " + (x.offset + x.length)
                        + ") lent " + (x.exclusive ? "exclusively" : "shared (read-only)")
                        + " to an operation or view; wait for its completion");
            }
        }
    }

    void checkOpen() {
        if (closed) {
            throw new ResourceClosedException("this LocalMr is closed");
        }
    }

    synchronized boolean isOpen() {
        return !closed;
    }

    synchronized void addGrant(GrantState g) {
        checkOpen();
        grants.add(g);
    }

    synchronized void removeGrant(GrantState g) {
        grants.remove(g);
    }

    /**
     * Closes the handle: revokes grants now, frees the block once no lend remains. Every grant
     * is revoked even when one fails to deregister; the first such failure is thrown at the end.
     */
    void close() {
        List<GrantState> toRevoke;
        boolean free;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toRevoke = List.copyOf(grants);
            free = lends == null && !freed;
            if (free) {
                freed = true;
            }
        }
        leak.closed();
        FirstFailure failure = new FirstFailure();
        for (GrantState g : toRevoke) {
            failure.run(() -> g.revoke(true));
        }
        if (free) {
            release();
        }
        failure.throwIfAny();
    }

    /**
     * The device may still read or write this memory: a grant of it could not be deregistered,
     * or the endpoint of an operation that lends it could not be freed. The block never goes
     * back to the pool, and the pool's memory stays allocated past the pool's close (a pin never
     * taken back), for the life of the process.
     */
    void keepForever() {
        synchronized (this) {
            if (kept) {
                return;
            }
            kept = true;
        }
        context.pool().pin();
    }

    private void release() {
        synchronized (this) {
            if (kept) {
                return; // stays counted in use: the peer may still be using it
            }
        }
        context.freeBlock(this, block);
    }

    ContextState context() {
        return context;
    }

    /** For tests and the leak report. */
    synchronized boolean isFreed() {
        return freed;
    }
}
