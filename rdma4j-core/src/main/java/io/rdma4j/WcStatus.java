package io.rdma4j;

/** Work completion statuses, in the order and with the values of {@code enum ibv_wc_status}. */
public enum WcStatus {
    /** Success. */
    SUCCESS("success"),
    /** Local length error. */
    LOC_LEN_ERR("local length error: a message was larger than the receive buffer"),
    /** Local QP operation error. */
    LOC_QP_OP_ERR("local queue pair operation error"),
    /** Local EE context operation error. */
    LOC_EEC_OP_ERR("local EE context operation error"),
    /** Local protection error. */
    LOC_PROT_ERR("local protection error: bad lkey or local memory not registered"),
    /** Work request flushed. */
    WR_FLUSH_ERR("flushed: the connection was closed or failed before this operation ran"),
    /** Memory window bind error. */
    MW_BIND_ERR("memory window bind error"),
    /** Bad response. */
    BAD_RESP_ERR("bad response from the peer"),
    /** Local access error. */
    LOC_ACCESS_ERR("local access error"),
    /** Remote invalid request. */
    REM_INV_REQ_ERR("remote invalid request: the peer rejected the request (e.g. misaligned atomic)"),
    /** Remote access error. */
    REM_ACCESS_ERR("remote access error: the rkey is unknown, revoked or foreign, or the range or access is outside the grant"),
    /** Remote operation error. */
    REM_OP_ERR("remote operation error"),
    /** Transport retries exceeded. */
    RETRY_EXC_ERR("transport retries exceeded: the peer is dead or unreachable"),
    /** Receiver-not-ready retries exceeded. */
    RNR_RETRY_EXC_ERR("receiver not ready: the peer posted no receive in time"),
    /** Local RDD violation. */
    LOC_RDD_VIOL_ERR("local RDD violation"),
    /** Remote invalid RD request. */
    REM_INV_RD_REQ_ERR("remote invalid RD request"),
    /** Remote aborted. */
    REM_ABORT_ERR("remote aborted"),
    /** Invalid EE context number. */
    INV_EECN_ERR("invalid EE context number"),
    /** Invalid EE context state. */
    INV_EEC_STATE_ERR("invalid EE context state"),
    /** Fatal error. */
    FATAL_ERR("fatal error"),
    /** Response timeout. */
    RESP_TIMEOUT_ERR("response timeout"),
    /** General error. */
    GENERAL_ERR("general error");

    private static final WcStatus[] BY_CODE = values();
    private final String description;

    WcStatus(String description) {
        this.description = description;
    }

    /** The verbs value. */
    public int code() {
        return ordinal();
    }

    /** A sentence a user can act on, with the verbs name. */
    public String describe() {
        return description + " (IBV_WC_" + name() + ")";
    }

    /**
     * The status with this verbs value.
     *
     * @param code an {@code ibv_wc_status} value
     * @return the status, {@link #GENERAL_ERR} for unknown values
     */
    public static WcStatus of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : GENERAL_ERR;
    }
}
