package io.rdma4j.tcp;

/**
 * The {@code ibv_wc_status} values this provider reports (see {@link io.rdma4j.WcStatus}), and its
 * vendor error codes, which say why an endpoint failed.
 */
final class Wc {
    private Wc() {}

    static final int SUCCESS = 0;
    static final int LOC_LEN_ERR = 1;
    static final int LOC_QP_OP_ERR = 2;
    static final int LOC_PROT_ERR = 4;
    static final int WR_FLUSH_ERR = 5;
    static final int BAD_RESP_ERR = 7;
    static final int REM_INV_REQ_ERR = 9;
    static final int REM_ACCESS_ERR = 10;
    static final int REM_OP_ERR = 11;
    static final int RETRY_EXC_ERR = 12;
    static final int RNR_RETRY_EXC_ERR = 13;

    // vendor errors: why the endpoint went to the error state
    static final int VENDOR_NONE = 0;
    static final int VENDOR_PEER_CLOSED = 0x101;
    static final int VENDOR_PEER_SILENT = 0x102;
    static final int VENDOR_PROTOCOL = 0x103;
    static final int VENDOR_CQ_OVERFLOW = 0x104;
}
