package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A fixed array of {@code struct ibv_send_wr}, each with its own array of {@code struct ibv_sge},
 * allocated once and patched in place for every post (DiSNI's "stateful verb calls"): posting
 * allocates nothing. Not thread-safe: one poster per instance.
 *
 * <pre>{@code
 * struct ibv_send_wr {
 *     uint64_t            wr_id;
 *     struct ibv_send_wr *next;
 *     struct ibv_sge     *sg_list;
 *     int                 num_sge;
 *     enum ibv_wr_opcode  opcode;
 *     unsigned int        send_flags;
 *     union { __be32 imm_data; uint32_t invalidate_rkey; };
 *     union {
 *         struct { uint64_t remote_addr; uint32_t rkey; } rdma;
 *         struct { uint64_t remote_addr; uint64_t compare_add; uint64_t swap; uint32_t rkey; } atomic;
 *         struct { struct ibv_ah *ah; uint32_t remote_qpn; uint32_t remote_qkey; } ud;
 *     } wr;
 *     ...
 * };
 * struct ibv_sge { uint64_t addr; uint32_t length; uint32_t lkey; };
 * }</pre>
 *
 * <p>Use: {@code wrs.at(i).reset(id, IBV_WR_RDMA_WRITE, IBV_SEND_SIGNALED).sge(0, addr, len, lkey)
 * .rdma(raddr, rkey)}; link entries with {@link #chain(int, int)}; post the chain's first entry
 * with {@link IbvQp#postSend(SendWr)} after {@link #at} positions it.
 */
public final class SendWr {
    static final long SIZE = Layouts.IBV_SEND_WR.byteSize();
    static final long SGE_SIZE = Layouts.IBV_SGE.byteSize();
    private static final long WR_ID = Layouts.offset(Layouts.IBV_SEND_WR, "wr_id");
    private static final long NEXT = Layouts.offset(Layouts.IBV_SEND_WR, "next");
    private static final long SG_LIST = Layouts.offset(Layouts.IBV_SEND_WR, "sg_list");
    private static final long NUM_SGE = Layouts.offset(Layouts.IBV_SEND_WR, "num_sge");
    private static final long OPCODE = Layouts.offset(Layouts.IBV_SEND_WR, "opcode");
    private static final long SEND_FLAGS = Layouts.offset(Layouts.IBV_SEND_WR, "send_flags");
    private static final long IMM_DATA = Layouts.offset(Layouts.IBV_SEND_WR, Layouts.ANONYMOUS + "imm", "imm_data");
    private static final long RDMA_REMOTE_ADDR = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "rdma", "remote_addr");
    private static final long RDMA_RKEY = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "rdma", "rkey");
    private static final long ATOMIC_REMOTE_ADDR = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "atomic", "remote_addr");
    private static final long ATOMIC_COMPARE_ADD = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "atomic", "compare_add");
    private static final long ATOMIC_SWAP = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "atomic", "swap");
    private static final long ATOMIC_RKEY = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "atomic", "rkey");
    static final long SGE_ADDR = Layouts.offset(Layouts.IBV_SGE, "addr");
    static final long SGE_LENGTH = Layouts.offset(Layouts.IBV_SGE, "length");
    static final long SGE_LKEY = Layouts.offset(Layouts.IBV_SGE, "lkey");

    private final MemorySegment wrs;
    private final MemorySegment sges;
    private final int count;
    private final int maxSge;
    /** One slice per entry, made once so that {@link #at} allocates nothing. */
    private final MemorySegment[] entries;
    private MemorySegment current;
    private long base;
    private long sgeBase;

    private SendWr(MemorySegment wrs, MemorySegment sges, int count, int maxSge) {
        this.wrs = wrs;
        this.sges = sges;
        this.count = count;
        this.maxSge = maxSge;
        this.entries = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            entries[i] = wrs.asSlice(i * SIZE, SIZE);
            wrs.set(ADDRESS, i * SIZE + SG_LIST, sges.asSlice(i * maxSge * SGE_SIZE));
        }
        at(0);
    }

    /**
     * @param arena owner of the memory (it must outlive every post)
     * @param count how many work requests
     * @param maxSge scatter/gather entries per work request
     * @return zeroed work requests, each pointing at its own SGE array
     */
    public static SendWr allocate(Arena arena, int count, int maxSge) {
        if (count < 1 || maxSge < 1) {
            throw new IllegalArgumentException("count and maxSge must be positive: " + count + ", " + maxSge);
        }
        MemorySegment wrs = arena.allocate(SIZE * count, 8);
        MemorySegment sges = arena.allocate(SGE_SIZE * count * maxSge, 8);
        return new SendWr(wrs, sges, count, maxSge);
    }

    /** @return how many work requests there are */
    public int count() {
        return count;
    }

    /** @return the most SGEs per work request */
    public int maxSge() {
        return maxSge;
    }

    /**
     * Positions on entry {@code i}: the setters below and {@link IbvQp#postSend(SendWr)} use it.
     *
     * @param i the entry
     * @return this
     */
    public SendWr at(int i) {
        Objects.checkIndex(i, count);
        base = i * SIZE;
        sgeBase = (long) i * maxSge * SGE_SIZE;
        current = entries[i];
        return this;
    }

    /** @return the current {@code struct ibv_send_wr} */
    public MemorySegment current() {
        return current;
    }

    /** @return the whole array */
    public MemorySegment segment() {
        return wrs;
    }

    /**
     * Sets the common fields of the current entry, no SGEs, no successor, zero remote fields.
     *
     * @param wrId returned in the completion
     * @param opcode an {@code IBV_WR_*} value
     * @param sendFlags {@code IBV_SEND_*} bits
     * @return this
     */
    public SendWr reset(long wrId, int opcode, int sendFlags) {
        wrs.set(JAVA_LONG, base + WR_ID, wrId);
        wrs.set(JAVA_LONG, base + NEXT, 0L);
        wrs.set(JAVA_INT, base + NUM_SGE, 0);
        wrs.set(JAVA_INT, base + OPCODE, opcode);
        wrs.set(JAVA_INT, base + SEND_FLAGS, sendFlags);
        wrs.set(JAVA_INT, base + IMM_DATA, 0);
        wrs.set(JAVA_LONG, base + ATOMIC_REMOTE_ADDR, 0L);
        wrs.set(JAVA_LONG, base + ATOMIC_COMPARE_ADD, 0L);
        wrs.set(JAVA_LONG, base + ATOMIC_SWAP, 0L);
        wrs.set(JAVA_LONG, base + ATOMIC_RKEY, 0L);
        return this;
    }

    /**
     * Sets SGE {@code j} of the current entry and raises {@code num_sge} to {@code j + 1} if lower.
     *
     * @param j the SGE, below {@link #maxSge()}
     * @param addr address inside a registered region
     * @param length bytes
     * @param lkey the region's lkey
     * @return this
     */
    public SendWr sge(int j, long addr, int length, int lkey) {
        Objects.checkIndex(j, maxSge);
        long at = sgeBase + j * SGE_SIZE;
        sges.set(JAVA_LONG, at + SGE_ADDR, addr);
        sges.set(JAVA_INT, at + SGE_LENGTH, length);
        sges.set(JAVA_INT, at + SGE_LKEY, lkey);
        if (wrs.get(JAVA_INT, base + NUM_SGE) < j + 1) {
            wrs.set(JAVA_INT, base + NUM_SGE, j + 1);
        }
        return this;
    }

    /**
     * Sets {@code num_sge} of the current entry (0 for a zero-length SEND or WRITE).
     *
     * @param n at most {@link #maxSge()}
     * @return this
     */
    public SendWr numSge(int n) {
        Objects.checkIndex(n, maxSge + 1);
        wrs.set(JAVA_INT, base + NUM_SGE, n);
        return this;
    }

    /**
     * Sets {@code imm_data}: the peer's completion reports the same value (written big-endian).
     *
     * @param value in host order
     * @return this
     */
    public SendWr immediate(int value) {
        wrs.set(Layouts.BE_INT, base + IMM_DATA, value);
        return this;
    }

    /**
     * Sets {@code wr.rdma}: the target of a WRITE or READ.
     *
     * @param remoteAddr remote virtual address
     * @param rkey remote key
     * @return this
     */
    public SendWr rdma(long remoteAddr, int rkey) {
        wrs.set(JAVA_LONG, base + RDMA_REMOTE_ADDR, remoteAddr);
        wrs.set(JAVA_INT, base + RDMA_RKEY, rkey);
        return this;
    }

    /**
     * Sets {@code wr.atomic}.
     *
     * @param remoteAddr 8-byte aligned remote address
     * @param rkey remote key
     * @param compareAdd compare value (CAS) or addend (FAA)
     * @param swap swap value (CAS)
     * @return this
     */
    public SendWr atomic(long remoteAddr, int rkey, long compareAdd, long swap) {
        wrs.set(JAVA_LONG, base + ATOMIC_REMOTE_ADDR, remoteAddr);
        wrs.set(JAVA_LONG, base + ATOMIC_COMPARE_ADD, compareAdd);
        wrs.set(JAVA_LONG, base + ATOMIC_SWAP, swap);
        wrs.set(JAVA_INT, base + ATOMIC_RKEY, rkey);
        return this;
    }

    /**
     * Links entries {@code first .. first + n - 1} through {@code next}, the last to NULL, and
     * positions on {@code first}, ready to post.
     *
     * @param first the first entry
     * @param n how many
     * @return this
     */
    public SendWr chain(int first, int n) {
        Objects.checkFromIndexSize(first, n, count);
        for (int i = first; i < first + n; i++) {
            long next = i + 1 < first + n ? wrs.address() + (i + 1) * SIZE : 0L;
            wrs.set(JAVA_LONG, i * SIZE + NEXT, next);
        }
        return at(first);
    }

    /**
     * @param address a WR address {@link IbvQp#badSendWr()} returned
     * @return its index here, or -1 if it is not one of these
     */
    public int indexOf(long address) {
        long off = address - wrs.address();
        if (off < 0 || off >= SIZE * count || off % SIZE != 0) {
            return -1;
        }
        return (int) (off / SIZE);
    }

    /** @return {@code wr_id} of the current entry */
    public long wrId() {
        return wrs.get(JAVA_LONG, base + WR_ID);
    }

    /** @return {@code opcode} of the current entry */
    public int opcode() {
        return wrs.get(JAVA_INT, base + OPCODE);
    }

    /** @return {@code num_sge} of the current entry */
    public int numSge() {
        return wrs.get(JAVA_INT, base + NUM_SGE);
    }
}
