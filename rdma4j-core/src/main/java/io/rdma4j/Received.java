package io.rdma4j;

/**
 * What a completed receive got.
 *
 * @param byteLength bytes placed into the receive buffer (for WRITE with immediate: bytes the
 *     peer wrote into granted memory; nothing lands in the receive buffer)
 * @param hasImmediate whether immediate data came with it
 * @param immediate the immediate data, 0 when none
 * @param byRdmaWrite true when a WRITE with immediate consumed the receive, false for a SEND
 */
public record Received(int byteLength, boolean hasImmediate, int immediate, boolean byRdmaWrite) {}
