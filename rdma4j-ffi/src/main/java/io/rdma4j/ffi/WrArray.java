package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What {@link SendWr} and {@link RecvWr} share: a fixed array of work requests, each with its own
 * array of {@code struct ibv_sge}, allocated once and patched in place; positioning on an entry,
 * its SGEs, linking entries through {@code next}, and finding an entry by address. Both structs
 * begin with the same fields ({@code wr_id, next, sg_list, num_sge}), so the offsets here serve
 * both; only the struct's size differs. Nothing here allocates after construction.
 *
 * @param <T> the concrete class, which the chaining setters return
 */
abstract sealed class WrArray<T extends WrArray<T>> permits SendWr, RecvWr {
    static final long SGE_SIZE = Layouts.IBV_SGE.byteSize();
    static final long SGE_ADDR = Layouts.offset(Layouts.IBV_SGE, "addr");
    static final long SGE_LENGTH = Layouts.offset(Layouts.IBV_SGE, "length");
    static final long SGE_LKEY = Layouts.offset(Layouts.IBV_SGE, "lkey");
    static final long WR_ID = Layouts.offset(Layouts.IBV_RECV_WR, "wr_id");
    static final long NEXT = Layouts.offset(Layouts.IBV_RECV_WR, "next");
    static final long SG_LIST = Layouts.offset(Layouts.IBV_RECV_WR, "sg_list");
    static final long NUM_SGE = Layouts.offset(Layouts.IBV_RECV_WR, "num_sge");

    static {
        // The shared offsets above are only right while the two structs agree on their first fields.
        for (String field : new String[] {"wr_id", "next", "sg_list", "num_sge"}) {
            if (Layouts.offset(Layouts.IBV_SEND_WR, field) != Layouts.offset(Layouts.IBV_RECV_WR, field)) {
                throw new AssertionError("ibv_send_wr and ibv_recv_wr differ at " + field);
            }
        }
    }

    /** The work requests, {@link #wrSize} bytes each. */
    final MemorySegment wrs;
    private final MemorySegment sges;
    private final long wrSize;
    private final int count;
    /** SGEs per work request. */
    final int maxSge;
    /** One slice per entry, made once so that {@link #at} allocates nothing. */
    private final MemorySegment[] entries;
    private MemorySegment current;
    /** Offset of the current entry in {@link #wrs}. */
    long base;
    private long sgeBase;

    WrArray(Arena arena, int count, int maxSge, long wrSize) {
        if (count < 1 || maxSge < 1) {
            throw new IllegalArgumentException("count and maxSge must be positive: " + count + ", " + maxSge);
        }
        this.wrs = arena.allocate(wrSize * count, 8);
        this.sges = arena.allocate(SGE_SIZE * count * maxSge, 8);
        this.wrSize = wrSize;
        this.count = count;
        this.maxSge = maxSge;
        this.entries = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            entries[i] = wrs.asSlice(i * wrSize, wrSize);
            wrs.set(ADDRESS, i * wrSize + SG_LIST, sges.asSlice(sgeOffset(i)));
        }
        at(0);
    }

    private long sgeOffset(int i) {
        return (long) i * maxSge * SGE_SIZE;
    }

    @SuppressWarnings("unchecked") // T is the concrete class itself (sealed, see the subclasses)
    private T self() {
        return (T) this;
    }

    /** @return how many work requests there are */
    public final int count() {
        return count;
    }

    /**
     * Positions on entry {@code i}: the setters and the post calls of {@link IbvQp} use it.
     *
     * @param i the entry
     * @return this
     */
    public final T at(int i) {
        Objects.checkIndex(i, count);
        base = i * wrSize;
        sgeBase = sgeOffset(i);
        current = entries[i];
        return self();
    }

    /** @return the current work request struct */
    public final MemorySegment current() {
        return current;
    }

    /** Sets {@code wr_id} of the current entry, no SGEs, no successor. */
    final void resetHeader(long wrId) {
        wrs.set(JAVA_LONG, base + WR_ID, wrId);
        wrs.set(JAVA_LONG, base + NEXT, 0L);
        wrs.set(JAVA_INT, base + NUM_SGE, 0);
    }

    /**
     * Sets SGE {@code j} of the current entry and raises {@code num_sge} to {@code j + 1} if lower.
     *
     * @param j the SGE, below the number of SGEs per work request
     * @param addr address inside a registered region (with local write, for a receive)
     * @param length bytes
     * @param lkey the region's lkey
     * @return this
     */
    public final T sge(int j, long addr, int length, int lkey) {
        Objects.checkIndex(j, maxSge);
        long at = sgeBase + j * SGE_SIZE;
        sges.set(JAVA_LONG, at + SGE_ADDR, addr);
        sges.set(JAVA_INT, at + SGE_LENGTH, length);
        sges.set(JAVA_INT, at + SGE_LKEY, lkey);
        if (wrs.get(JAVA_INT, base + NUM_SGE) < j + 1) {
            wrs.set(JAVA_INT, base + NUM_SGE, j + 1);
        }
        return self();
    }

    /**
     * Links entries {@code first .. first + n - 1} through {@code next}, the last to NULL, and
     * positions on {@code first}, ready to post.
     *
     * @param first the first entry
     * @param n how many
     * @return this
     */
    public final T chain(int first, int n) {
        Objects.checkFromIndexSize(first, n, count);
        for (int i = first; i < first + n; i++) {
            long next = i + 1 < first + n ? wrs.address() + (i + 1) * wrSize : 0L;
            wrs.set(JAVA_LONG, i * wrSize + NEXT, next);
        }
        return at(first);
    }

    /**
     * @param address a WR address {@link IbvQp#badSendWr()} or {@link IbvQp#badRecvWr()} returned
     * @return its index here, or -1 if it is not one of these
     */
    public final int indexOf(long address) {
        long off = address - wrs.address();
        if (off < 0 || off >= wrSize * count || off % wrSize != 0) {
            return -1;
        }
        return (int) (off / wrSize);
    }
}
