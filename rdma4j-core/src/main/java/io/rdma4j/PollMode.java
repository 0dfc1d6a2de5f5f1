package io.rdma4j;

/** How the pollers of a context wait for completions. */
public enum PollMode {
    /** Spin on the completion queue: lowest latency, one core per poller. */
    BUSY,
    /** Spin for a while, then yield, then arm the queue and block (the default). */
    ADAPTIVE,
    /** Arm the queue and block on its completion channel at once: least CPU. */
    EVENT
}
