package io.rdma4j.tcp.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rdma4j.Access;
import io.rdma4j.Listener;
import io.rdma4j.PollMode;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.internal.ContextImpl;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;

/**
 * API-sequence fuzzing of the safe core over the tcp provider: every input is a sequence of
 * public calls on two connected contexts (see {@link ApiSequence} for the calls and the
 * invariants checked after every step). Contexts live across inputs, connections do not; an
 * input that closes a context gets a fresh one next time, after its memory was proven freed.
 *
 * <p>{@code mvn test} replays the committed corpus (ApiSequenceFuzzTestInputs); {@code
 * JAZZER_FUZZ=1} or {@code scripts/fuzz SECONDS} fuzzes.
 */
class ApiSequenceFuzzTest {
    static final RdmaOptions OPTIONS = RdmaOptions.builder()
            .provider("tcp")
            .pollMode(PollMode.ADAPTIVE)
            .sendQueueDepth(6)          // small: callers queue behind a full send queue
            .receiveQueueDepth(6)       // small: "all receives posted" is reachable
            .completionQueueSize(64)
            .poolChunkSize(16384)       // small: allocations above it take the dedicated path
            .grantBudget(64 * 1024)     // small: requests are refused by policy
            .maxLease(Duration.ofSeconds(30))
            .operationTimeout(Duration.ofSeconds(10))
            .connectTimeout(Duration.ofSeconds(10))
            .rnrRetry(7)                // RC with infinite RNR retry: a send waits for a receive
            .rnrDelay(Duration.ofMillis(1))
            .build();

    private static final RdmaContext[] contexts = new RdmaContext[2];
    private static final Listener[] listeners = new Listener[2];
    private static long inputs;
    private static long steps;
    private static long leaksAtStart = -1;

    static RdmaContext context(int side) {
        if (contexts[side] == null || !contexts[side].isOpen()) {
            contexts[side] = Rdma.open(OPTIONS);
            listeners[side] = contexts[side].listen(new InetSocketAddress("127.0.0.1", 0));
        }
        return contexts[side];
    }

    static Listener listener(int side) {
        context(side);
        return listeners[side];
    }

    @AfterAll
    static void report() {
        for (int side = 0; side < 2; side++) {
            if (contexts[side] != null) {
                ContextImpl c = (ContextImpl) contexts[side];
                listeners[side].close();
                c.close();
                contexts[side] = null;
            }
        }
        System.out.printf("api sequences: %d inputs, %d steps, leaks found %d%n", inputs, steps,
                leaksAtStart < 0 ? 0 : ContextImpl.leaksFound() - leaksAtStart);
    }

    @FuzzTest(maxDuration = "30s")
    void apiSequences(FuzzedDataProvider data) throws Throwable {
        // Jazzer's SSRF detector: this target talks to its own loopback listeners only.
        BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
        if (leaksAtStart < 0) {
            leaksAtStart = ContextImpl.leaksFound();
        }
        inputs++;
        ApiSequence s = new ApiSequence(data);
        long t0 = System.nanoTime();
        Throwable failure = null;
        try {
            steps += s.run();
        } catch (Throwable t) {
            failure = t;
        }
        try {
            s.tearDown(TimeUnit.SECONDS.toNanos(20), failure == null);
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
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        if (ms > 2000) {
            System.out.println("api sequences: slow input (" + ms + " ms):\n  " + s.steps());
        }
    }
}
