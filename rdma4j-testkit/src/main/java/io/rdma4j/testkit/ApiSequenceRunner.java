package io.rdma4j.testkit;

import io.rdma4j.Listener;
import io.rdma4j.PollMode;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * API-sequence fuzzing on any provider: interprets each input as a sequence of public calls on
 * two connected contexts against a shadow model, checking its invariants after every step and,
 * after the input, that everything it made was freed (see the interpreter's description in
 * {@code ApiSequence}). Contexts live across inputs, connections do not; an input that closes a
 * context gets a fresh one next time, after its memory was proven freed.
 *
 * <p>The tcp provider drives it from Jazzer; the verbs tests from the committed corpus and seeded
 * pseudo-random inputs, in the Soft-RoCE guest.
 */
public final class ApiSequenceRunner implements AutoCloseable {
    private final RdmaOptions options;
    private final String host;
    private final Duration patience;
    private final Duration leaseSlack;
    private final RdmaContext[] contexts = new RdmaContext[2];
    private final Listener[] listeners = new Listener[2];
    private long inputs;
    private long steps;
    private long leaksAtStart = -1;

    /**
     * @param options    the options of both contexts (the provider, small queues and pool to reach edge cases)
     * @param host       the address side B listens on
     * @param patience   how long a future that must complete may take, and a connection to be accepted
     * @param leaseSlack how long after its lease ended an operation may still be posted and succeed
     *                   (a lease ends on a timer, which runs late on a slow machine)
     */
    public ApiSequenceRunner(RdmaOptions options, String host, Duration patience, Duration leaseSlack) {
        this.options = options;
        this.host = host;
        this.patience = patience;
        this.leaseSlack = leaseSlack;
    }

    /**
     * The settings the interpreter's edge cases need, on any provider: small queues (callers
     * queue behind a full send queue, "all receives posted" is reachable), a small pool chunk
     * (allocations above it take the dedicated path), a small grant budget (requests refused by
     * policy), and RC with infinite RNR retry (a send waits for a receive).
     *
     * @param b options with the provider (and its timeouts) set
     * @return {@code b}
     */
    public static RdmaOptions.Builder edgeCases(RdmaOptions.Builder b) {
        return b.pollMode(PollMode.ADAPTIVE)
                .sendQueueDepth(6)
                .receiveQueueDepth(6)
                .completionQueueSize(64)
                .poolChunkSize(16384)
                .grantBudget(64 * 1024)
                .maxLease(Duration.ofSeconds(30))
                .rnrRetry(7)
                .rnrDelay(Duration.ofMillis(1));
    }

    Duration patience() {
        return patience;
    }

    Duration leaseSlack() {
        return leaseSlack;
    }

    RdmaContext context(int side) {
        if (contexts[side] == null || !contexts[side].isOpen()) {
            contexts[side] = Rdma.open(options);
            listeners[side] = contexts[side].listen(new InetSocketAddress(host, 0));
        }
        return contexts[side];
    }

    Listener listener(int side) {
        context(side);
        return listeners[side];
    }

    /**
     * Runs one input: its steps, then closes its connections and regions (every future must
     * complete) and checks both contexts are back to baseline with no leak reported.
     *
     * @param in the input
     * @return the steps it ran
     * @throws Throwable an {@link AssertionError} naming the broken invariant and the last steps,
     *                   or what the calls threw that the API does not document
     */
    public int run(FuzzInput in) throws Throwable {
        if (leaksAtStart < 0) {
            leaksAtStart = CoreProbe.leaksFound();
        }
        inputs++;
        ApiSequence s = new ApiSequence(in, this);
        long t0 = System.nanoTime();
        Throwable failure = null;
        int ran = 0;
        try {
            ran = s.run();
        } catch (Throwable t) {
            failure = t;
        }
        try {
            s.tearDown(2 * patience.toNanos(), failure == null);
        } catch (Throwable t) {
            if (failure == null) {
                failure = t;
            } else {
                failure.addSuppressed(t);
            }
        }
        if (failure != null) {
            throw failure;
        }
        s.checkBaseline(leaksAtStart);
        steps += ran;
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        if (ms > Long.getLong("rdma4j.fuzz.slowInputMillis", 2000)) {
            System.out.println("api sequences: slow input (" + ms + " ms):\n  " + s.steps());
        }
        return ran;
    }

    /** @return inputs run so far */
    public long inputs() {
        return inputs;
    }

    /** @return steps run so far */
    public long steps() {
        return steps;
    }

    /** @return leaks the detector reported since the first input */
    public long leaks() {
        return leaksAtStart < 0 ? 0 : CoreProbe.leaksFound() - leaksAtStart;
    }

    /** Closes the listeners and contexts kept across inputs. */
    @Override
    public void close() {
        for (int side = 0; side < 2; side++) {
            if (contexts[side] != null) {
                listeners[side].close();
                contexts[side].close();
                contexts[side] = null;
            }
        }
    }
}
