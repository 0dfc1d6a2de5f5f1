package io.rdma4j.ffi;

import java.lang.foreign.Arena;

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
public final class RecvWr extends WrArray<RecvWr> {
    static final long SIZE = Layouts.IBV_RECV_WR.byteSize();

    private RecvWr(Arena arena, int count, int maxSge) {
        super(arena, count, maxSge, SIZE);
    }

    /**
     * @param arena owner of the memory
     * @param count how many work requests
     * @param maxSge scatter entries per work request
     * @return zeroed work requests
     */
    public static RecvWr allocate(Arena arena, int count, int maxSge) {
        return new RecvWr(arena, count, maxSge);
    }

    /**
     * Sets {@code wr_id}, no SGEs, no successor.
     *
     * @param wrId returned in the completion
     * @return this
     */
    public RecvWr reset(long wrId) {
        resetHeader(wrId);
        return this;
    }
}
