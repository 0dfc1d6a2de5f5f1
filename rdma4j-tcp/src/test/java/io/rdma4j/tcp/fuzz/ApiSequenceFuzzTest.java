package io.rdma4j.tcp.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rdma4j.RdmaOptions;
import io.rdma4j.testkit.ApiSequenceRunner;
import io.rdma4j.testkit.FuzzInput;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/**
 * API-sequence fuzzing of the safe core over the tcp provider: every input is a sequence of
 * public calls on two connected contexts (see the testkit's {@link ApiSequenceRunner} for the
 * calls and the invariants checked after every step).
 *
 * <p>{@code mvn test} replays the committed corpus (ApiSequenceFuzzTestInputs, which the verbs
 * tests replay too); {@code JAZZER_FUZZ=1} or {@code scripts/fuzz SECONDS} fuzzes.
 */
class ApiSequenceFuzzTest {
    static final RdmaOptions OPTIONS = ApiSequenceRunner.edgeCases(RdmaOptions.builder().provider("tcp"))
            .operationTimeout(Duration.ofSeconds(10))
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private static final ApiSequenceRunner RUNNER =
            new ApiSequenceRunner(OPTIONS, "127.0.0.1", Duration.ofSeconds(10), Duration.ofSeconds(2));

    @AfterAll
    static void report() {
        RUNNER.close();
        System.out.printf("api sequences: %d inputs, %d steps, leaks found %d%n", RUNNER.inputs(), RUNNER.steps(),
                RUNNER.leaks());
    }

    @FuzzTest(maxDuration = "30s")
    void apiSequences(FuzzedDataProvider data) throws Throwable {
        // Jazzer's SSRF detector: this target talks to its own loopback listeners only.
        BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
        RUNNER.run(new FuzzInput() {
            @Override
            public boolean consumeBoolean() {
                return data.consumeBoolean();
            }

            @Override
            public int consumeInt() {
                return data.consumeInt();
            }

            @Override
            public int consumeInt(int min, int max) {
                return data.consumeInt(min, max);
            }

            @Override
            public long consumeLong() {
                return data.consumeLong();
            }

            @Override
            public long consumeLong(long min, long max) {
                return data.consumeLong(min, max);
            }

            @Override
            public byte[] consumeBytes(int maxLength) {
                return data.consumeBytes(maxLength);
            }

            @Override
            public int remainingBytes() {
                return data.remainingBytes();
            }
        });
    }
}
