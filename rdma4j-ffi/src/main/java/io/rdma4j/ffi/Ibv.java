package io.rdma4j.ffi;

/**
 * The libibverbs constants, under their C names so C examples translate line by line
 * ({@code import static io.rdma4j.ffi.Ibv.*}). {@code LayoutTest} checks every
 * {@code IBV_*} value here against the installed {@code <infiniband/verbs.h>}.
 */
public final class Ibv {
    private Ibv() {}

    // enum ibv_wr_opcode
    /** RDMA WRITE. */
    public static final int IBV_WR_RDMA_WRITE = 0;
    /** RDMA WRITE with immediate data: consumes a receive at the target. */
    public static final int IBV_WR_RDMA_WRITE_WITH_IMM = 1;
    /** SEND. */
    public static final int IBV_WR_SEND = 2;
    /** SEND with immediate data. */
    public static final int IBV_WR_SEND_WITH_IMM = 3;
    /** RDMA READ. */
    public static final int IBV_WR_RDMA_READ = 4;
    /** 64-bit compare and swap. */
    public static final int IBV_WR_ATOMIC_CMP_AND_SWP = 5;
    /** 64-bit fetch and add. */
    public static final int IBV_WR_ATOMIC_FETCH_AND_ADD = 6;
    /** Local invalidate. */
    public static final int IBV_WR_LOCAL_INV = 7;
    /** Bind memory window. */
    public static final int IBV_WR_BIND_MW = 8;
    /** SEND with invalidate. */
    public static final int IBV_WR_SEND_WITH_INV = 9;
    /** TCP segmentation offload (raw packet QPs). */
    public static final int IBV_WR_TSO = 10;

    // enum ibv_send_flags
    /** Wait for earlier RDMA READ and atomics to complete first. */
    public static final int IBV_SEND_FENCE = 1;
    /** Generate a completion for this WR (when the QP is not {@code sq_sig_all}). */
    public static final int IBV_SEND_SIGNALED = 1 << 1;
    /** Solicited event at the receiver. */
    public static final int IBV_SEND_SOLICITED = 1 << 2;
    /** Copy the payload into the WQE at post time; the buffer may be reused at once. */
    public static final int IBV_SEND_INLINE = 1 << 3;
    /** IP checksum offload. */
    public static final int IBV_SEND_IP_CSUM = 1 << 4;

    // enum ibv_wc_status
    /** Success. */
    public static final int IBV_WC_SUCCESS = 0;
    /** Local length error. */
    public static final int IBV_WC_LOC_LEN_ERR = 1;
    /** Local QP operation error. */
    public static final int IBV_WC_LOC_QP_OP_ERR = 2;
    /** Local EE context operation error. */
    public static final int IBV_WC_LOC_EEC_OP_ERR = 3;
    /** Local protection error. */
    public static final int IBV_WC_LOC_PROT_ERR = 4;
    /** Work request flushed: the QP is in the error state. */
    public static final int IBV_WC_WR_FLUSH_ERR = 5;
    /** Memory window bind error. */
    public static final int IBV_WC_MW_BIND_ERR = 6;
    /** Bad response error. */
    public static final int IBV_WC_BAD_RESP_ERR = 7;
    /** Local access error. */
    public static final int IBV_WC_LOC_ACCESS_ERR = 8;
    /** Remote invalid request error. */
    public static final int IBV_WC_REM_INV_REQ_ERR = 9;
    /** Remote access error: bad rkey, bounds or access rights at the target. */
    public static final int IBV_WC_REM_ACCESS_ERR = 10;
    /** Remote operation error. */
    public static final int IBV_WC_REM_OP_ERR = 11;
    /** Transport retry counter exceeded. */
    public static final int IBV_WC_RETRY_EXC_ERR = 12;
    /** RNR retry counter exceeded: no receive posted at the target. */
    public static final int IBV_WC_RNR_RETRY_EXC_ERR = 13;
    /** Local RDD violation error. */
    public static final int IBV_WC_LOC_RDD_VIOL_ERR = 14;
    /** Remote invalid RD request. */
    public static final int IBV_WC_REM_INV_RD_REQ_ERR = 15;
    /** Remote aborted error. */
    public static final int IBV_WC_REM_ABORT_ERR = 16;
    /** Invalid EE context number. */
    public static final int IBV_WC_INV_EECN_ERR = 17;
    /** Invalid EE context state. */
    public static final int IBV_WC_INV_EEC_STATE_ERR = 18;
    /** Fatal error. */
    public static final int IBV_WC_FATAL_ERR = 19;
    /** Response timeout error. */
    public static final int IBV_WC_RESP_TIMEOUT_ERR = 20;
    /** General error. */
    public static final int IBV_WC_GENERAL_ERR = 21;
    /** Tag matching error. */
    public static final int IBV_WC_TM_ERR = 22;
    /** Tag matching rendezvous incomplete. */
    public static final int IBV_WC_TM_RNDV_INCOMPLETE = 23;

    // enum ibv_wc_opcode
    /** Completion of a SEND. */
    public static final int IBV_WC_SEND = 0;
    /** Completion of an RDMA WRITE. */
    public static final int IBV_WC_RDMA_WRITE = 1;
    /** Completion of an RDMA READ. */
    public static final int IBV_WC_RDMA_READ = 2;
    /** Completion of a compare and swap. */
    public static final int IBV_WC_COMP_SWAP = 3;
    /** Completion of a fetch and add. */
    public static final int IBV_WC_FETCH_ADD = 4;
    /** Completion of a memory window bind. */
    public static final int IBV_WC_BIND_MW = 5;
    /** Completion of a local invalidate. */
    public static final int IBV_WC_LOCAL_INV = 6;
    /** Completion of a TSO send. */
    public static final int IBV_WC_TSO = 7;
    /** A receive completed; test {@code (opcode & IBV_WC_RECV) != 0} for any receive. */
    public static final int IBV_WC_RECV = 1 << 7;
    /** A receive consumed by an RDMA WRITE with immediate. */
    public static final int IBV_WC_RECV_RDMA_WITH_IMM = (1 << 7) + 1;

    // enum ibv_wc_flags
    /** A GRH is present in the first 40 bytes of the receive buffer (UD). */
    public static final int IBV_WC_GRH = 1;
    /** {@code imm_data} is valid. */
    public static final int IBV_WC_WITH_IMM = 1 << 1;
    /** IP checksum verified. */
    public static final int IBV_WC_IP_CSUM_OK = 1 << 2;
    /** {@code invalidated_rkey} is valid. */
    public static final int IBV_WC_WITH_INV = 1 << 3;

    // enum ibv_access_flags
    /** The NIC may write the region locally (needed for any receive or READ target). */
    public static final int IBV_ACCESS_LOCAL_WRITE = 1;
    /** The peer may RDMA WRITE the region. */
    public static final int IBV_ACCESS_REMOTE_WRITE = 1 << 1;
    /** The peer may RDMA READ the region. */
    public static final int IBV_ACCESS_REMOTE_READ = 1 << 2;
    /** The peer may perform atomics on the region. */
    public static final int IBV_ACCESS_REMOTE_ATOMIC = 1 << 3;
    /** Memory windows may be bound to the region. */
    public static final int IBV_ACCESS_MW_BIND = 1 << 4;
    /** Addresses are offsets from the start of the region. */
    public static final int IBV_ACCESS_ZERO_BASED = 1 << 5;
    /** On-demand paging. */
    public static final int IBV_ACCESS_ON_DEMAND = 1 << 6;
    /** Huge pages back the region. */
    public static final int IBV_ACCESS_HUGETLB = 1 << 7;
    /** Relaxed PCI ordering (an optional flag: ignored where unsupported). */
    public static final int IBV_ACCESS_RELAXED_ORDERING = 1 << 20;
    /** The range of optional access flags; with one of them the header's {@code ibv_reg_mr} calls {@code ibv_reg_mr_iova2}. */
    public static final int IBV_ACCESS_OPTIONAL_RANGE = 0x3ff00000;

    // enum ibv_qp_type
    /** Reliable connected. */
    public static final int IBV_QPT_RC = 2;
    /** Unreliable connected. */
    public static final int IBV_QPT_UC = 3;
    /** Unreliable datagram. */
    public static final int IBV_QPT_UD = 4;

    // enum ibv_qp_state
    /** Reset. */
    public static final int IBV_QPS_RESET = 0;
    /** Initialized. */
    public static final int IBV_QPS_INIT = 1;
    /** Ready to receive. */
    public static final int IBV_QPS_RTR = 2;
    /** Ready to send. */
    public static final int IBV_QPS_RTS = 3;
    /** Send queue drained. */
    public static final int IBV_QPS_SQD = 4;
    /** Send queue error. */
    public static final int IBV_QPS_SQE = 5;
    /** Error: outstanding and new work requests complete with {@link #IBV_WC_WR_FLUSH_ERR}. */
    public static final int IBV_QPS_ERR = 6;
    /** Unknown. */
    public static final int IBV_QPS_UNKNOWN = 7;

    // enum ibv_mig_state
    /** Migrated. */
    public static final int IBV_MIG_MIGRATED = 0;
    /** Rearm. */
    public static final int IBV_MIG_REARM = 1;
    /** Armed. */
    public static final int IBV_MIG_ARMED = 2;

    // enum ibv_qp_attr_mask
    /** {@code qp_state}. */
    public static final int IBV_QP_STATE = 1;
    /** {@code cur_qp_state}. */
    public static final int IBV_QP_CUR_STATE = 1 << 1;
    /** {@code en_sqd_async_notify}. */
    public static final int IBV_QP_EN_SQD_ASYNC_NOTIFY = 1 << 2;
    /** {@code qp_access_flags}. */
    public static final int IBV_QP_ACCESS_FLAGS = 1 << 3;
    /** {@code pkey_index}. */
    public static final int IBV_QP_PKEY_INDEX = 1 << 4;
    /** {@code port_num}. */
    public static final int IBV_QP_PORT = 1 << 5;
    /** {@code qkey}. */
    public static final int IBV_QP_QKEY = 1 << 6;
    /** {@code ah_attr} (the primary path's address vector). */
    public static final int IBV_QP_AV = 1 << 7;
    /** {@code path_mtu}. */
    public static final int IBV_QP_PATH_MTU = 1 << 8;
    /** {@code timeout}. */
    public static final int IBV_QP_TIMEOUT = 1 << 9;
    /** {@code retry_cnt}. */
    public static final int IBV_QP_RETRY_CNT = 1 << 10;
    /** {@code rnr_retry}. */
    public static final int IBV_QP_RNR_RETRY = 1 << 11;
    /** {@code rq_psn}. */
    public static final int IBV_QP_RQ_PSN = 1 << 12;
    /** {@code max_rd_atomic}. */
    public static final int IBV_QP_MAX_QP_RD_ATOMIC = 1 << 13;
    /** {@code alt_*}. */
    public static final int IBV_QP_ALT_PATH = 1 << 14;
    /** {@code min_rnr_timer}. */
    public static final int IBV_QP_MIN_RNR_TIMER = 1 << 15;
    /** {@code sq_psn}. */
    public static final int IBV_QP_SQ_PSN = 1 << 16;
    /** {@code max_dest_rd_atomic}. */
    public static final int IBV_QP_MAX_DEST_RD_ATOMIC = 1 << 17;
    /** {@code path_mig_state}. */
    public static final int IBV_QP_PATH_MIG_STATE = 1 << 18;
    /** {@code cap}. */
    public static final int IBV_QP_CAP = 1 << 19;
    /** {@code dest_qp_num}. */
    public static final int IBV_QP_DEST_QPN = 1 << 20;
    /** {@code rate_limit}. */
    public static final int IBV_QP_RATE_LIMIT = 1 << 25;

    // enum ibv_mtu
    /** 256 bytes. */
    public static final int IBV_MTU_256 = 1;
    /** 512 bytes. */
    public static final int IBV_MTU_512 = 2;
    /** 1024 bytes. */
    public static final int IBV_MTU_1024 = 3;
    /** 2048 bytes. */
    public static final int IBV_MTU_2048 = 4;
    /** 4096 bytes. */
    public static final int IBV_MTU_4096 = 5;

    // enum ibv_port_state
    /** No state change. */
    public static final int IBV_PORT_NOP = 0;
    /** Down. */
    public static final int IBV_PORT_DOWN = 1;
    /** Initializing. */
    public static final int IBV_PORT_INIT = 2;
    /** Armed. */
    public static final int IBV_PORT_ARMED = 3;
    /** Active: the port can carry traffic. */
    public static final int IBV_PORT_ACTIVE = 4;
    /** Active, deferred. */
    public static final int IBV_PORT_ACTIVE_DEFER = 5;

    // link layer
    /** Link layer not reported (treat as InfiniBand). */
    public static final int IBV_LINK_LAYER_UNSPECIFIED = 0;
    /** InfiniBand: address by LID. */
    public static final int IBV_LINK_LAYER_INFINIBAND = 1;
    /** Ethernet (RoCE): address by GID, {@code is_global} must be 1. */
    public static final int IBV_LINK_LAYER_ETHERNET = 2;

    // enum ibv_atomic_cap
    /** No atomics. */
    public static final int IBV_ATOMIC_NONE = 0;
    /** Atomic within this HCA. */
    public static final int IBV_ATOMIC_HCA = 1;
    /** Atomic globally. */
    public static final int IBV_ATOMIC_GLOB = 2;

    // enum ibv_gid_type
    /** InfiniBand GID. */
    public static final int IBV_GID_TYPE_IB = 0;
    /** RoCE v1 (Ethernet, not routable). */
    public static final int IBV_GID_TYPE_ROCE_V1 = 1;
    /** RoCE v2 (UDP/IP, routable). */
    public static final int IBV_GID_TYPE_ROCE_V2 = 2;

    // enum ibv_node_type
    /** Unknown node type. */
    public static final int IBV_NODE_UNKNOWN = -1;
    /** Channel adapter. */
    public static final int IBV_NODE_CA = 1;
    /** Switch. */
    public static final int IBV_NODE_SWITCH = 2;
    /** Router. */
    public static final int IBV_NODE_ROUTER = 3;
    /** RDMA NIC (iWARP). */
    public static final int IBV_NODE_RNIC = 4;

    // enum ibv_transport_type
    /** Unknown transport. */
    public static final int IBV_TRANSPORT_UNKNOWN = -1;
    /** InfiniBand transport (also RoCE). */
    public static final int IBV_TRANSPORT_IB = 0;
    /** iWARP. */
    public static final int IBV_TRANSPORT_IWARP = 1;

    // enum ibv_event_type
    /** CQ error (overrun). */
    public static final int IBV_EVENT_CQ_ERR = 0;
    /** QP fatal: the QP moved to the error state. */
    public static final int IBV_EVENT_QP_FATAL = 1;
    /** Invalid request on a QP. */
    public static final int IBV_EVENT_QP_REQ_ERR = 2;
    /** Access violation on a QP. */
    public static final int IBV_EVENT_QP_ACCESS_ERR = 3;
    /** Communication established. */
    public static final int IBV_EVENT_COMM_EST = 4;
    /** Send queue drained. */
    public static final int IBV_EVENT_SQ_DRAINED = 5;
    /** Path migrated. */
    public static final int IBV_EVENT_PATH_MIG = 6;
    /** Path migration failed. */
    public static final int IBV_EVENT_PATH_MIG_ERR = 7;
    /** Device fatal. */
    public static final int IBV_EVENT_DEVICE_FATAL = 8;
    /** Port became active. */
    public static final int IBV_EVENT_PORT_ACTIVE = 9;
    /** Port went down. */
    public static final int IBV_EVENT_PORT_ERR = 10;
    /** LID changed. */
    public static final int IBV_EVENT_LID_CHANGE = 11;
    /** P_Key table changed. */
    public static final int IBV_EVENT_PKEY_CHANGE = 12;
    /** Subnet manager changed. */
    public static final int IBV_EVENT_SM_CHANGE = 13;
    /** SRQ error. */
    public static final int IBV_EVENT_SRQ_ERR = 14;
    /** SRQ limit reached. */
    public static final int IBV_EVENT_SRQ_LIMIT_REACHED = 15;
    /** Last WQE reached on a QP with an SRQ. */
    public static final int IBV_EVENT_QP_LAST_WQE_REACHED = 16;
    /** Client reregister request. */
    public static final int IBV_EVENT_CLIENT_REREGISTER = 17;
    /** GID table changed. */
    public static final int IBV_EVENT_GID_CHANGE = 18;
    /** WQ fatal. */
    public static final int IBV_EVENT_WQ_FATAL = 19;

    private static final String[] WC_STATUS = {"SUCCESS", "LOC_LEN_ERR", "LOC_QP_OP_ERR", "LOC_EEC_OP_ERR",
        "LOC_PROT_ERR", "WR_FLUSH_ERR", "MW_BIND_ERR", "BAD_RESP_ERR", "LOC_ACCESS_ERR", "REM_INV_REQ_ERR",
        "REM_ACCESS_ERR", "REM_OP_ERR", "RETRY_EXC_ERR", "RNR_RETRY_EXC_ERR", "LOC_RDD_VIOL_ERR",
        "REM_INV_RD_REQ_ERR", "REM_ABORT_ERR", "INV_EECN_ERR", "INV_EEC_STATE_ERR", "FATAL_ERR",
        "RESP_TIMEOUT_ERR", "GENERAL_ERR", "TM_ERR", "TM_RNDV_INCOMPLETE"};
    private static final String[] QP_STATE = {"RESET", "INIT", "RTR", "RTS", "SQD", "SQE", "ERR", "UNKNOWN"};
    private static final String[] PORT_STATE = {"NOP", "DOWN", "INIT", "ARMED", "ACTIVE", "ACTIVE_DEFER"};

    /**
     * The enum name without its prefix, in Java, for logs and exceptions on the completion path
     * (no downcall; {@link Verbs#wcStatusStr} gives libibverbs' own wording).
     *
     * @param status an {@code ibv_wc_status}
     * @return e.g. {@code "REM_ACCESS_ERR"}
     */
    public static String wcStatusName(int status) {
        return status >= 0 && status < WC_STATUS.length ? WC_STATUS[status] : "WC_STATUS_" + status;
    }

    /**
     * @param state an {@code ibv_qp_state}
     * @return e.g. {@code "RTS"}
     */
    public static String qpStateName(int state) {
        return state >= 0 && state < QP_STATE.length ? QP_STATE[state] : "QPS_" + state;
    }

    /**
     * @param state an {@code ibv_port_state}
     * @return e.g. {@code "ACTIVE"}
     */
    public static String portStateName(int state) {
        return state >= 0 && state < PORT_STATE.length ? PORT_STATE[state] : "PORT_" + state;
    }

    /**
     * @param mtu an {@code ibv_mtu} ({@link #IBV_MTU_256} to {@link #IBV_MTU_4096})
     * @return the MTU in bytes, or 0 for an unknown value
     */
    public static int mtuBytes(int mtu) {
        return mtu >= IBV_MTU_256 && mtu <= IBV_MTU_4096 ? 128 << mtu : 0;
    }

    /**
     * @param bytes 256, 512, 1024, 2048 or 4096
     * @return the {@code ibv_mtu} value
     * @throws IllegalArgumentException for other sizes
     */
    public static int mtuOf(int bytes) {
        for (int mtu = IBV_MTU_256; mtu <= IBV_MTU_4096; mtu++) {
            if (mtuBytes(mtu) == bytes) {
                return mtu;
            }
        }
        throw new IllegalArgumentException("not an InfiniBand MTU: " + bytes);
    }

    /**
     * @param linkLayer an {@code IBV_LINK_LAYER_*} value
     * @return "InfiniBand", "Ethernet" or "unspecified"
     */
    public static String linkLayerName(int linkLayer) {
        return switch (linkLayer) {
            case IBV_LINK_LAYER_INFINIBAND -> "InfiniBand";
            case IBV_LINK_LAYER_ETHERNET -> "Ethernet";
            default -> "unspecified";
        };
    }

    /**
     * @param gidType an {@code ibv_gid_type}
     * @return "IB", "RoCE v1" or "RoCE v2"
     */
    public static String gidTypeName(int gidType) {
        return switch (gidType) {
            case IBV_GID_TYPE_IB -> "IB";
            case IBV_GID_TYPE_ROCE_V1 -> "RoCE v1";
            case IBV_GID_TYPE_ROCE_V2 -> "RoCE v2";
            default -> "type " + gidType;
        };
    }
}
