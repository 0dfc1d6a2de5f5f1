package io.rdma4j.spi;

/** What a work request does, and what a completion reports. */
public enum WorkOpcode {
    /** RDMA WRITE: local bytes placed into remote memory. */
    WRITE,
    /** RDMA WRITE that also consumes a receive at the target and delivers the immediate. */
    WRITE_WITH_IMM,
    /** SEND: consumes a posted receive at the target. */
    SEND,
    /** SEND with immediate data delivered with the receive. */
    SEND_WITH_IMM,
    /** RDMA READ: remote bytes placed into local memory. */
    READ,
    /** 64-bit compare-and-swap at an 8-byte aligned remote address; the old value lands locally. */
    COMPARE_AND_SWAP,
    /** 64-bit fetch-and-add at an 8-byte aligned remote address; the old value lands locally. */
    FETCH_AND_ADD,
    /** A receive completed by a SEND. */
    RECV,
    /** A receive completed by a WRITE_WITH_IMM ({@code IBV_WC_RECV_RDMA_WITH_IMM}). */
    RECV_RDMA_WITH_IMM
}
