package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Flyweight over {@code struct ibv_qp_init_attr}, for {@link IbvPd#createQp} and
 * {@link CmId#createQp}; after creation its {@code cap} holds what the provider granted.
 *
 * <pre>{@code
 * struct ibv_qp_init_attr {
 *     void *qp_context; struct ibv_cq *send_cq; struct ibv_cq *recv_cq; struct ibv_srq *srq;
 *     struct ibv_qp_cap { uint32_t max_send_wr, max_recv_wr, max_send_sge, max_recv_sge, max_inline_data; } cap;
 *     enum ibv_qp_type qp_type; int sq_sig_all;
 * };
 * }</pre>
 */
public final class QpInitAttr {
    private static final long QP_CONTEXT = Layouts.offset(Layouts.IBV_QP_INIT_ATTR, "qp_context");
    private static final long SEND_CQ = Layouts.offset(Layouts.IBV_QP_INIT_ATTR, "send_cq");
    private static final long RECV_CQ = Layouts.offset(Layouts.IBV_QP_INIT_ATTR, "recv_cq");
    private static final long SRQ = Layouts.offset(Layouts.IBV_QP_INIT_ATTR, "srq");
    private static final long CAP = Layouts.offset(Layouts.IBV_QP_INIT_ATTR, "cap");
    private static final long QP_TYPE = Layouts.offset(Layouts.IBV_QP_INIT_ATTR, "qp_type");
    private static final long SQ_SIG_ALL = Layouts.offset(Layouts.IBV_QP_INIT_ATTR, "sq_sig_all");

    private final MemorySegment segment;

    private QpInitAttr(MemorySegment segment) {
        this.segment = segment;
    }

    /**
     * @param arena owner of the memory
     * @return zeroed attributes
     */
    public static QpInitAttr allocate(Arena arena) {
        return new QpInitAttr(arena.allocate(Layouts.IBV_QP_INIT_ATTR));
    }

    /** @return the struct */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * An RC QP on the given CQs with every send signalled.
     *
     * @param sendCq completions of the send queue
     * @param recvCq completions of the receive queue
     * @param maxSendWr send queue depth
     * @param maxRecvWr receive queue depth
     * @param maxSge SGEs per work request, both queues
     * @return this
     */
    public QpInitAttr rc(IbvCq sendCq, IbvCq recvCq, int maxSendWr, int maxRecvWr, int maxSge) {
        segment.fill((byte) 0);
        segment.set(ADDRESS, SEND_CQ, sendCq.struct);
        segment.set(ADDRESS, RECV_CQ, recvCq.struct);
        segment.set(JAVA_INT, CAP, maxSendWr);
        segment.set(JAVA_INT, CAP + 4, maxRecvWr);
        segment.set(JAVA_INT, CAP + 8, maxSge);
        segment.set(JAVA_INT, CAP + 12, maxSge);
        segment.set(JAVA_INT, QP_TYPE, Ibv.IBV_QPT_RC);
        segment.set(JAVA_INT, SQ_SIG_ALL, 1);
        return this;
    }

    /**
     * @param value {@code qp_context}
     * @return this
     */
    public QpInitAttr qpContext(long value) {
        segment.set(ADDRESS, QP_CONTEXT, MemorySegment.ofAddress(value));
        return this;
    }

    /**
     * @param srq a shared receive queue, or null
     * @return this
     */
    public QpInitAttr srq(IbvSrq srq) {
        segment.set(ADDRESS, SRQ, srq == null ? MemorySegment.NULL : srq.struct);
        return this;
    }

    /**
     * @param bytes {@code cap.max_inline_data}
     * @return this
     */
    public QpInitAttr maxInlineData(int bytes) {
        segment.set(JAVA_INT, CAP + 16, bytes);
        return this;
    }

    /**
     * @param all whether every send WR generates a completion ({@code sq_sig_all})
     * @return this
     */
    public QpInitAttr sqSigAll(boolean all) {
        segment.set(JAVA_INT, SQ_SIG_ALL, all ? 1 : 0);
        return this;
    }

    /** @return {@code cap.max_send_wr} */
    public int maxSendWr() {
        return segment.get(JAVA_INT, CAP);
    }

    /** @return {@code cap.max_recv_wr} */
    public int maxRecvWr() {
        return segment.get(JAVA_INT, CAP + 4);
    }

    /** @return {@code cap.max_send_sge} */
    public int maxSendSge() {
        return segment.get(JAVA_INT, CAP + 8);
    }

    /** @return {@code cap.max_recv_sge} */
    public int maxRecvSge() {
        return segment.get(JAVA_INT, CAP + 12);
    }

    /** @return {@code cap.max_inline_data} */
    public int maxInlineData() {
        return segment.get(JAVA_INT, CAP + 16);
    }

    /** @return {@code qp_type} */
    public int qpType() {
        return segment.get(JAVA_INT, QP_TYPE);
    }

    @Override
    public String toString() {
        return "qp_type " + qpType() + " max_send_wr " + maxSendWr() + " max_recv_wr " + maxRecvWr()
                + " max_send_sge " + maxSendSge() + " max_recv_sge " + maxRecvSge() + " max_inline "
                + maxInlineData();
    }
}
