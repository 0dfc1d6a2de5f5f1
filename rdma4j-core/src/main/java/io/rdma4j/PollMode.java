package io.rdma4j;

/** How the pollers of a context wait for completions. */
public enum PollMode {
    /**
     * Spin on the completion queue, and let blocking calls on platform threads spin-wait for
     * their completion: lowest latency, a core per poller and per waiting thread (what perftest
     * does by default).
     */
    BUSY,
    /** Spin for a while, then yield, then arm the queue and block (the default). */
    ADAPTIVE,
    /** Arm the queue and block on its completion channel at once: least CPU. */
    EVENT
}
