package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Flyweight over {@code struct ibv_qp_attr} for {@link IbvQp#modify} and {@link IbvQp#query}.
 * The setters write the C fields; the caller passes the matching {@code IBV_QP_*} mask.
 * {@link #init}, {@link #rtr} and {@link #rts} fill what an RC QP needs for each transition
 * (as {@code ibv_rc_pingpong} does) and return the mask to use.
 */
public final class QpAttr {
    private static long off(String... path) {
        return Layouts.offset(Layouts.IBV_QP_ATTR, path);
    }

    private static final long QP_STATE = off("qp_state");
    private static final long PATH_MTU = off("path_mtu");
    private static final long RQ_PSN = off("rq_psn");
    private static final long SQ_PSN = off("sq_psn");
    private static final long DEST_QP_NUM = off("dest_qp_num");
    private static final long QP_ACCESS_FLAGS = off("qp_access_flags");
    private static final long PKEY_INDEX = off("pkey_index");
    private static final long MAX_RD_ATOMIC = off("max_rd_atomic");
    private static final long MAX_DEST_RD_ATOMIC = off("max_dest_rd_atomic");
    private static final long MIN_RNR_TIMER = off("min_rnr_timer");
    private static final long PORT_NUM = off("port_num");
    private static final long TIMEOUT = off("timeout");
    private static final long RETRY_CNT = off("retry_cnt");
    private static final long RNR_RETRY = off("rnr_retry");
    private static final long AH_DGID = off("ah_attr", "grh", "dgid");
    private static final long AH_FLOW_LABEL = off("ah_attr", "grh", "flow_label");
    private static final long AH_SGID_INDEX = off("ah_attr", "grh", "sgid_index");
    private static final long AH_HOP_LIMIT = off("ah_attr", "grh", "hop_limit");
    private static final long AH_DLID = off("ah_attr", "dlid");
    private static final long AH_SL = off("ah_attr", "sl");
    private static final long AH_IS_GLOBAL = off("ah_attr", "is_global");
    private static final long AH_PORT_NUM = off("ah_attr", "port_num");
    private static final long CAP = off("cap");

    private final MemorySegment segment;

    private QpAttr(MemorySegment segment) {
        this.segment = segment;
    }

    /**
     * @param arena owner of the memory
     * @return zeroed attributes
     */
    public static QpAttr allocate(Arena arena) {
        return new QpAttr(arena.allocate(Layouts.IBV_QP_ATTR));
    }

    /** @return the struct */
    public MemorySegment segment() {
        return segment;
    }

    /** Zeroes every field. @return this */
    public QpAttr clear() {
        segment.fill((byte) 0);
        return this;
    }

    /**
     * RESET to INIT for RC: state, pkey index 0, port, access flags.
     *
     * @param port the port number
     * @param accessFlags {@code IBV_ACCESS_REMOTE_*} the peer may use on this QP
     * @return the mask for {@link IbvQp#modify}
     */
    public int init(int port, int accessFlags) {
        clear();
        qpState(Ibv.IBV_QPS_INIT);
        segment.set(JAVA_SHORT, PKEY_INDEX, (short) 0);
        segment.set(JAVA_BYTE, PORT_NUM, (byte) port);
        segment.set(JAVA_INT, QP_ACCESS_FLAGS, accessFlags);
        return Ibv.IBV_QP_STATE | Ibv.IBV_QP_PKEY_INDEX | Ibv.IBV_QP_PORT | Ibv.IBV_QP_ACCESS_FLAGS;
    }

    /**
     * INIT to RTR for RC, addressing the peer by GID (RoCE; {@code is_global} = 1) or by LID.
     *
     * @param mtu an {@code IBV_MTU_*} value
     * @param destQpn the peer's QP number
     * @param rqPsn the peer's starting send PSN
     * @param dlid the peer's LID (InfiniBand), 0 on RoCE
     * @param dgid the peer's GID, or null to address by LID only
     * @param sgidIndex the local GID index
     * @param port the local port
     * @param maxDestRdAtomic RDMA READs and atomics the peer may have outstanding here
     * @param minRnrTimer an RNR timer code (12 is 0.64 ms)
     * @return the mask for {@link IbvQp#modify}
     */
    public int rtr(int mtu, int destQpn, int rqPsn, int dlid, Gid dgid, int sgidIndex, int port,
                   int maxDestRdAtomic, int minRnrTimer) {
        clear();
        qpState(Ibv.IBV_QPS_RTR);
        segment.set(JAVA_INT, PATH_MTU, mtu);
        segment.set(JAVA_INT, DEST_QP_NUM, destQpn);
        segment.set(JAVA_INT, RQ_PSN, rqPsn);
        segment.set(JAVA_BYTE, MAX_DEST_RD_ATOMIC, (byte) maxDestRdAtomic);
        segment.set(JAVA_BYTE, MIN_RNR_TIMER, (byte) minRnrTimer);
        segment.set(JAVA_SHORT, AH_DLID, (short) dlid);
        segment.set(JAVA_BYTE, AH_SL, (byte) 0);
        segment.set(JAVA_BYTE, AH_PORT_NUM, (byte) port);
        if (dgid != null) {
            segment.set(JAVA_BYTE, AH_IS_GLOBAL, (byte) 1);
            dgid.writeTo(segment, AH_DGID);
            segment.set(JAVA_INT, AH_FLOW_LABEL, 0);
            segment.set(JAVA_BYTE, AH_SGID_INDEX, (byte) sgidIndex);
            segment.set(JAVA_BYTE, AH_HOP_LIMIT, (byte) 1);
        }
        return Ibv.IBV_QP_STATE | Ibv.IBV_QP_AV | Ibv.IBV_QP_PATH_MTU | Ibv.IBV_QP_DEST_QPN
                | Ibv.IBV_QP_RQ_PSN | Ibv.IBV_QP_MAX_DEST_RD_ATOMIC | Ibv.IBV_QP_MIN_RNR_TIMER;
    }

    /**
     * RTR to RTS for RC.
     *
     * @param sqPsn this side's starting send PSN
     * @param timeout the ack timeout code (4.096 us * 2^timeout; 14 is about 67 ms)
     * @param retryCnt transport retries (0-7)
     * @param rnrRetry RNR retries (0-7, 7 = for ever)
     * @param maxRdAtomic RDMA READs and atomics this side may have outstanding
     * @return the mask for {@link IbvQp#modify}
     */
    public int rts(int sqPsn, int timeout, int retryCnt, int rnrRetry, int maxRdAtomic) {
        clear();
        qpState(Ibv.IBV_QPS_RTS);
        segment.set(JAVA_INT, SQ_PSN, sqPsn);
        segment.set(JAVA_BYTE, TIMEOUT, (byte) timeout);
        segment.set(JAVA_BYTE, RETRY_CNT, (byte) retryCnt);
        segment.set(JAVA_BYTE, RNR_RETRY, (byte) rnrRetry);
        segment.set(JAVA_BYTE, MAX_RD_ATOMIC, (byte) maxRdAtomic);
        return Ibv.IBV_QP_STATE | Ibv.IBV_QP_TIMEOUT | Ibv.IBV_QP_RETRY_CNT | Ibv.IBV_QP_RNR_RETRY
                | Ibv.IBV_QP_SQ_PSN | Ibv.IBV_QP_MAX_QP_RD_ATOMIC;
    }

    /**
     * RTS to RTS changing only {@code min_rnr_timer}: how long a peer waits before retrying a
     * SEND this side had no receive for (rdma_cm leaves it at its own default).
     *
     * @param minRnrTimer an RNR timer code, see {@link #rnrTimerCode}
     * @return the mask for {@link IbvQp#modify}
     */
    public int rnrTimer(int minRnrTimer) {
        clear();
        qpState(Ibv.IBV_QPS_RTS);
        segment.set(JAVA_BYTE, MIN_RNR_TIMER, (byte) minRnrTimer);
        return Ibv.IBV_QP_STATE | Ibv.IBV_QP_MIN_RNR_TIMER;
    }

    /** RNR timer codes 1..31 in microseconds (code 0 means 655.36 ms), from the InfiniBand spec. */
    private static final int[] RNR_MICROS = {655_360, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 480, 640, 960,
        1280, 1920, 2560, 3840, 5120, 7680, 10240, 15360, 20480, 30720, 40960, 61440, 81920, 122880, 163840,
        245760, 327680, 491520};

    /**
     * @param nanos the wanted RNR delay
     * @return the smallest RNR timer code at least that long (0, 655 ms, beyond 491 ms)
     */
    public static int rnrTimerCode(long nanos) {
        long micros = (nanos + 999) / 1000;
        for (int code = 1; code < RNR_MICROS.length; code++) {
            if (RNR_MICROS[code] >= micros) {
                return code;
            }
        }
        return 0;
    }

    /**
     * @param nanos the wanted transport ack timeout
     * @return the smallest timeout code (4.096 us * 2^code) at least that long, 1..31
     */
    public static int ackTimeoutCode(long nanos) {
        for (int code = 1; code < 32; code++) {
            if (4096L << code >= nanos) {
                return code;
            }
        }
        return 31;
    }

    /**
     * Sets {@code qp_state}.
     *
     * @param state an {@code IBV_QPS_*} value
     * @return this
     */
    public QpAttr qpState(int state) {
        segment.set(JAVA_INT, QP_STATE, state);
        return this;
    }

    /** @return {@code qp_state} */
    public int qpState() {
        return segment.get(JAVA_INT, QP_STATE);
    }

    /** @return {@code path_mtu} */
    public int pathMtu() {
        return segment.get(JAVA_INT, PATH_MTU);
    }

    /** @return {@code dest_qp_num} */
    public int destQpNum() {
        return segment.get(JAVA_INT, DEST_QP_NUM);
    }

    /** @return {@code sq_psn} */
    public int sqPsn() {
        return segment.get(JAVA_INT, SQ_PSN);
    }

    /** @return {@code rq_psn} */
    public int rqPsn() {
        return segment.get(JAVA_INT, RQ_PSN);
    }

    /** @return {@code qp_access_flags} */
    public int qpAccessFlags() {
        return segment.get(JAVA_INT, QP_ACCESS_FLAGS);
    }

    /** @return {@code max_rd_atomic} */
    public int maxRdAtomic() {
        return Byte.toUnsignedInt(segment.get(JAVA_BYTE, MAX_RD_ATOMIC));
    }

    /** @return {@code max_dest_rd_atomic} */
    public int maxDestRdAtomic() {
        return Byte.toUnsignedInt(segment.get(JAVA_BYTE, MAX_DEST_RD_ATOMIC));
    }

    /** @return {@code cap.max_send_wr} */
    public int maxSendWr() {
        return segment.get(JAVA_INT, CAP);
    }
}
