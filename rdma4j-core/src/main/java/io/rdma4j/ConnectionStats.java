package io.rdma4j;

/**
 * A snapshot of one connection's counters.
 *
 * @param posted operations posted (receives included)
 * @param completed operations completed successfully
 * @param failed operations completed with an error or flushed
 * @param bytesOut bytes written, sent and requested by READ
 * @param bytesIn bytes received
 * @param grantsGiven grants this side made on this connection
 * @param grantsRevoked of those, how many were revoked, released or expired
 * @param grantsHeld grants from the peer this side holds, valid or not
 */
public record ConnectionStats(long posted, long completed, long failed, long bytesOut, long bytesIn,
                              long grantsGiven, long grantsRevoked, long grantsHeld) {}
