package io.rdma4j.spi;

/**
 * Completions of the work requests of the endpoints attached to it. Polled by one thread at a
 * time, which the core ensures: its poller, or a thread waiting in a blocking call when
 * {@link #waitersMayPoll} allows. {@link #await} runs on the poller only and may overlap a
 * {@link #poll} on another thread; {@link #awaitEvent}, {@link #wakeup} and {@link #close} may
 * come from any thread.
 */
public interface CompletionQueue extends AutoCloseable {

    /**
     * Hands up to {@code max} completions to {@code handler}, in the order they completed.
     * Allocates nothing.
     *
     * @param handler called once per completion on the polling thread
     * @param max the most completions to take
     * @return how many were handed over
     */
    int poll(CompletionHandler handler, int max);

    /**
     * Blocks until completions may be ready, {@link #wakeup} is called, or the timeout passes.
     * The provider arms its notification and re-checks, so no completion is missed between a
     * poll that found nothing and this wait (the verbs arm-then-poll race).
     *
     * @param timeoutNanos the longest wait
     * @throws InterruptedException when the polling thread is interrupted
     */
    void await(long timeoutNanos) throws InterruptedException;

    /**
     * Whether a thread waiting for a completion may poll this queue itself instead of being
     * woken by the poller. True when completions arrive with no thread of the provider's doing
     * the work (a NIC writes them), so a spinning waiter takes no core the provider needs; false
     * when the provider's own threads produce them (they would compete with the waiter).
     *
     * @return whether waiters poll in {@code PollMode.ADAPTIVE}; {@code BUSY} always lets them
     */
    default boolean waitersMayPoll() {
        return false;
    }

    /**
     * Whether a thread waiting for a completion may block in {@link #awaitEvent} itself and poll
     * when woken, instead of being woken by the poller: a completion then reaches its waiter with
     * one thread hand-off fewer. For providers whose own threads produce completions
     * ({@link #waitersMayPoll} false): the waiter blocks, so it takes no core from them.
     *
     * @return whether blocked callers wait on this queue in {@code PollMode.ADAPTIVE}
     */
    default boolean waitersMayAwait() {
        return false;
    }

    /**
     * A count that changes with every completion added and every {@link #wakeup}; read before
     * polling, then passed to {@link #awaitEvent}. Only with {@link #waitersMayAwait}.
     *
     * @return the current count
     */
    default int eventCount() {
        return 0;
    }

    /**
     * Blocks until {@link #eventCount} differs from {@code seen}, the timeout passes, or the
     * queue is closed. Any number of threads may wait at once, besides the poller's
     * {@link #await}; every one is woken by each change. Only with {@link #waitersMayAwait}.
     *
     * @param seen the count read before the poll that found nothing
     * @param timeoutNanos the longest wait
     * @return false, at once, when the queue takes no more waiters (the caller is then woken by
     *     the poller instead)
     * @throws InterruptedException when the waiting thread is interrupted
     */
    default boolean awaitEvent(int seen, long timeoutNanos) throws InterruptedException {
        return false;
    }

    /** Makes a current or next {@link #await} return at once, and changes {@link #eventCount}. */
    void wakeup();

    /** Frees the queue; no endpoint may still use it. */
    @Override
    void close();
}
