package io.rdma4j.spi;

/**
 * How to build one reliable-connected endpoint (a queue pair).
 *
 * @param sendQueue completions of sends, writes, reads and atomics
 * @param receiveQueue completions of receives (may be the same queue)
 * @param sendQueueDepth the most outstanding send-side work requests; the core never exceeds it
 * @param receiveQueueDepth the most posted receives; the core never exceeds it
 * @param handler callbacks for control messages and disconnection
 */
public record EndpointSpec(CompletionQueue sendQueue, CompletionQueue receiveQueue,
                           int sendQueueDepth, int receiveQueueDepth, EndpointHandler handler) {}
