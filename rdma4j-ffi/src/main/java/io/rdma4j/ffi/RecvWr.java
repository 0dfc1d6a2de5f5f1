package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A fixed array of {@code struct ibv_recv_wr}, each with its own {@code struct ibv_sge} array,
 * patched in place for every post. Not thread-safe.
 *
 * <pre>{@code
 * struct ibv_recv_wr {
 *     uint64_t            wr_id;
 *     struct ibv_recv_wr *next;
 *     struct ibv_sge     *sg_list;
 *     int                 num_sge;
 * };
 * }</pre>
 */
public final class RecvWr {
    static final long SIZE = Layouts.IBV_RECV_WR.byteSize();
    private static final long WR_ID = Layouts.offset(Layouts.IBV_RECV_WR, "wr_id");
    private static final long NEXT = Layouts.offset(Layouts.IBV_RECV_WR, "next");
    private static final long SG_LIST = Layouts.offset(Layouts.IBV_RECV_WR, "sg_list");
    private static final long NUM_SGE = Layouts.offset(Layouts.IBV_RECV_WR, "num_sge");

    private final MemorySegment wrs;
    private final MemorySegment sges;
    private final int count;
    private final int maxSge;
    /** One slice per entry, made once so that {@link #at} allocates nothing. */
    private final MemorySegment[] entries;
    private MemorySegment current;
    private long base;
    private long sgeBase;

    private RecvWr(MemorySegment wrs, MemorySegment sges, int count, int maxSge) {
        this.wrs = wrs;
        this.sges = sges;
        this.count = count;
        this.maxSge = maxSge;
        this.entries = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            entries[i] = wrs.asSlice(i * SIZE, SIZE);
            wrs.set(ADDRESS, i * SIZE + SG_LIST, sges.asSlice(i * maxSge * SendWr.SGE_SIZE));
        }
        at(0);
    }

    /**
     * @param arena owner of the memory
     * @param count how many work requests
     * @param maxSge scatter entries per work request
     * @return zeroed work requests
     */
    public static RecvWr allocate(Arena arena, int count, int maxSge) {
        if (count < 1 || maxSge < 1) {
            throw new IllegalArgumentException("count and maxSge must be positive: " + count + ", " + maxSge);
        }
        return new RecvWr(arena.allocate(SIZE * count, 8), arena.allocate(SendWr.SGE_SIZE * count * maxSge, 8),
                count, maxSge);
    }

    /** @return how many work requests there are */
    public int count() {
        return count;
    }

    /**
     * Positions on entry {@code i}.
     *
     * @param i the entry
     * @return this
     */
    public RecvWr at(int i) {
        Objects.checkIndex(i, count);
        base = i * SIZE;
        sgeBase = (long) i * maxSge * SendWr.SGE_SIZE;
        current = entries[i];
        return this;
    }

    /** @return the current {@code struct ibv_recv_wr} */
    public MemorySegment current() {
        return current;
    }

    /**
     * Sets {@code wr_id}, no SGEs, no successor.
     *
     * @param wrId returned in the completion
     * @return this
     */
    public RecvWr reset(long wrId) {
        wrs.set(JAVA_LONG, base + WR_ID, wrId);
        wrs.set(JAVA_LONG, base + NEXT, 0L);
        wrs.set(JAVA_INT, base + NUM_SGE, 0);
        return this;
    }

    /**
     * Sets SGE {@code j}, raising {@code num_sge} to {@code j + 1} if lower.
     *
     * @param j the SGE
     * @param addr address in a region registered with local write
     * @param length bytes
     * @param lkey the region's lkey
     * @return this
     */
    public RecvWr sge(int j, long addr, int length, int lkey) {
        Objects.checkIndex(j, maxSge);
        long at = sgeBase + j * SendWr.SGE_SIZE;
        sges.set(JAVA_LONG, at + SendWr.SGE_ADDR, addr);
        sges.set(JAVA_INT, at + SendWr.SGE_LENGTH, length);
        sges.set(JAVA_INT, at + SendWr.SGE_LKEY, lkey);
        if (wrs.get(JAVA_INT, base + NUM_SGE) < j + 1) {
            wrs.set(JAVA_INT, base + NUM_SGE, j + 1);
        }
        return this;
    }

    /**
     * Links entries {@code first .. first + n - 1}, the last to NULL, and positions on {@code first}.
     *
     * @param first the first entry
     * @param n how many
     * @return this
     */
    public RecvWr chain(int first, int n) {
        Objects.checkFromIndexSize(first, n, count);
        for (int i = first; i < first + n; i++) {
            long next = i + 1 < first + n ? wrs.address() + (i + 1) * SIZE : 0L;
            wrs.set(JAVA_LONG, i * SIZE + NEXT, next);
        }
        return at(first);
    }

    /**
     * @param address a WR address {@link IbvQp#badRecvWr()} returned
     * @return its index here, or -1
     */
    public int indexOf(long address) {
        long off = address - wrs.address();
        if (off < 0 || off >= SIZE * count || off % SIZE != 0) {
            return -1;
        }
        return (int) (off / SIZE);
    }
}
