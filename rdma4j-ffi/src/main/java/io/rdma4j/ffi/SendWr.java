package io.rdma4j.ffi;

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
public final class SendWr extends WrArray<SendWr> {
    static final long SIZE = Layouts.IBV_SEND_WR.byteSize();
    private static final long OPCODE = Layouts.offset(Layouts.IBV_SEND_WR, "opcode");
    private static final long SEND_FLAGS = Layouts.offset(Layouts.IBV_SEND_WR, "send_flags");
    private static final long IMM_DATA = Layouts.offset(Layouts.IBV_SEND_WR, Layouts.ANONYMOUS + "imm", "imm_data");
    private static final long RDMA_REMOTE_ADDR = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "rdma", "remote_addr");
    private static final long RDMA_RKEY = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "rdma", "rkey");
    private static final long ATOMIC_REMOTE_ADDR = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "atomic", "remote_addr");
    private static final long ATOMIC_COMPARE_ADD = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "atomic", "compare_add");
    private static final long ATOMIC_SWAP = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "atomic", "swap");
    private static final long ATOMIC_RKEY = Layouts.offset(Layouts.IBV_SEND_WR, "wr", "atomic", "rkey");

    private SendWr(Arena arena, int count, int maxSge) {
        super(arena, count, maxSge, SIZE);
    }

    /**
     * @param arena owner of the memory (it must outlive every post)
     * @param count how many work requests
     * @param maxSge scatter/gather entries per work request
     * @return zeroed work requests, each pointing at its own SGE array
     */
    public static SendWr allocate(Arena arena, int count, int maxSge) {
        return new SendWr(arena, count, maxSge);
    }

    /** @return the most SGEs per work request */
    public int maxSge() {
        return maxSge;
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
        resetHeader(wrId);
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
