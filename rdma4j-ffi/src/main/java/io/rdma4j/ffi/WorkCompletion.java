package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A fixed array of {@code struct ibv_wc} that {@link IbvCq#poll} fills; read entry {@code i}
 * with the getters. Allocated once per CQ poller, reused for every poll.
 *
 * <pre>{@code
 * struct ibv_wc {
 *     uint64_t wr_id; enum ibv_wc_status status; enum ibv_wc_opcode opcode; uint32_t vendor_err;
 *     uint32_t byte_len; union { __be32 imm_data; uint32_t invalidated_rkey; }; uint32_t qp_num;
 *     uint32_t src_qp; unsigned int wc_flags; uint16_t pkey_index; uint16_t slid; uint8_t sl;
 *     uint8_t dlid_path_bits;
 * };
 * }</pre>
 *
 * <p>On an error status only {@code wr_id}, {@code status}, {@code vendor_err} and {@code qp_num}
 * are defined.
 */
public final class WorkCompletion {
    static final long SIZE = Layouts.IBV_WC.byteSize();
    private static final long WR_ID = Layouts.offset(Layouts.IBV_WC, "wr_id");
    private static final long STATUS = Layouts.offset(Layouts.IBV_WC, "status");
    private static final long OPCODE = Layouts.offset(Layouts.IBV_WC, "opcode");
    private static final long VENDOR_ERR = Layouts.offset(Layouts.IBV_WC, "vendor_err");
    private static final long BYTE_LEN = Layouts.offset(Layouts.IBV_WC, "byte_len");
    private static final long IMM_DATA = Layouts.offset(Layouts.IBV_WC, Layouts.ANONYMOUS + "imm", "imm_data");
    private static final long QP_NUM = Layouts.offset(Layouts.IBV_WC, "qp_num");
    private static final long SRC_QP = Layouts.offset(Layouts.IBV_WC, "src_qp");
    private static final long WC_FLAGS = Layouts.offset(Layouts.IBV_WC, "wc_flags");
    private static final long SLID = Layouts.offset(Layouts.IBV_WC, "slid");
    private static final long SL = Layouts.offset(Layouts.IBV_WC, "sl");

    private final MemorySegment segment;
    private final int capacity;

    private WorkCompletion(MemorySegment segment, int capacity) {
        this.segment = segment;
        this.capacity = capacity;
    }

    /**
     * @param arena owner of the memory
     * @param capacity entries
     * @return the array
     */
    public static WorkCompletion allocate(Arena arena, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        return new WorkCompletion(arena.allocate(SIZE * capacity, 8), capacity);
    }

    /** @return the number of entries */
    public int capacity() {
        return capacity;
    }

    /** @return the array */
    public MemorySegment segment() {
        return segment;
    }

    /** @param i entry @return {@code wr_id} */
    public long wrId(int i) {
        return segment.get(JAVA_LONG, i * SIZE + WR_ID);
    }

    /** @param i entry @return {@code status}, an {@code IBV_WC_*} status */
    public int status(int i) {
        return segment.get(JAVA_INT, i * SIZE + STATUS);
    }

    /** @param i entry @return {@code opcode}, an {@code ibv_wc_opcode} (undefined on error) */
    public int opcode(int i) {
        return segment.get(JAVA_INT, i * SIZE + OPCODE);
    }

    /** @param i entry @return {@code vendor_err} */
    public int vendorErr(int i) {
        return segment.get(JAVA_INT, i * SIZE + VENDOR_ERR);
    }

    /** @param i entry @return {@code byte_len} */
    public int byteLen(int i) {
        return segment.get(JAVA_INT, i * SIZE + BYTE_LEN);
    }

    /** @param i entry @return {@code imm_data} in host order (valid with {@link Ibv#IBV_WC_WITH_IMM}) */
    public int immData(int i) {
        return segment.get(Layouts.BE_INT, i * SIZE + IMM_DATA);
    }

    /** @param i entry @return {@code qp_num}: the local QP this completion belongs to */
    public int qpNum(int i) {
        return segment.get(JAVA_INT, i * SIZE + QP_NUM);
    }

    /** @param i entry @return {@code src_qp} */
    public int srcQp(int i) {
        return segment.get(JAVA_INT, i * SIZE + SRC_QP);
    }

    /** @param i entry @return {@code wc_flags} */
    public int wcFlags(int i) {
        return segment.get(JAVA_INT, i * SIZE + WC_FLAGS);
    }

    /** @param i entry @return {@code slid} */
    public int slid(int i) {
        return Short.toUnsignedInt(segment.get(JAVA_SHORT, i * SIZE + SLID));
    }

    /** @param i entry @return {@code sl} */
    public int sl(int i) {
        return Byte.toUnsignedInt(segment.get(JAVA_BYTE, i * SIZE + SL));
    }
}
