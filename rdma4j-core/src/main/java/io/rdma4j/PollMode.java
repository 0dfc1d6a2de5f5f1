package io.rdma4j;

/** How the pollers of a context wait for completions. */
public enum PollMode {
    /**
     * Spin on the completion queue; a platform thread waiting in a blocking call (or in
     * {@link Connection#await}) polls the queue itself until its operation completes, and the
     * poller parks meanwhile: lowest latency, a core per polling thread (what perftest does by
     * default).
     */
    BUSY,
    /**
     * Spin for a while, then yield, then arm the queue and block (the default). Where the
     * provider's completions need no thread of its own (verbs: the NIC writes them), a platform
     * thread waiting in a blocking call polls the queue itself for up to 2 ms
     * ({@code -Drdma4j.poller.callerPollMicros}) before it leaves the waiting to the poller.
     */
    ADAPTIVE,
    /** Arm the queue and block on its completion channel at once: least CPU. */
    EVENT
}
