package io.rdma4j.tcp;

import io.rdma4j.spi.WorkOpcode;

/**
 * A posted send-side work request from its post until its completion: kept for the response it
 * waits for and for go-back-N resending after a receiver-not-ready answer. Reused in a ring.
 */
final class PendingRequest {
    long wrId;
    WorkOpcode opcode;
    int psn;
    int frameOpcode;
    int flags;
    TcpRegistration local;
    long localOffset;
    int length;
    long remoteAddress;
    int rkey;
    long operand;
    long operand2;
    /** Whether its success is reported; a failure or flush always is. */
    boolean signaled;

    /** Whether this request is answered by a response with data rather than by an ACK. */
    boolean expectsData() {
        return frameOpcode == Frame.READ_REQUEST || frameOpcode == Frame.COMPARE_SWAP
                || frameOpcode == Frame.FETCH_ADD;
    }
}
