package io.rdma4j.verbs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.RdmaOptions;
import io.rdma4j.testkit.ApiSequenceRunner;
import io.rdma4j.testkit.FuzzInput;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * API-sequence fuzzing on verbs, bounded: the interpreter and invariants the tcp provider's
 * Jazzer target uses (the testkit's {@link ApiSequenceRunner}), fed first the committed Jazzer
 * corpus (rdma4j-tcp's ApiSequenceFuzzTestInputs, copied here by the build and decoded exactly as
 * Jazzer decodes it), then pseudo-random inputs from a seeded {@link Random} until the time
 * budget is spent. Runs in the Soft-RoCE guest without the Jazzer agent.
 *
 * <p>{@code -Drdma4j.verbs.fuzz.seconds=N} (default 60) bounds the random part; {@code
 * -Drdma4j.verbs.fuzz.seed=S} picks another sequence of inputs, and {@code
 * -Drdma4j.verbs.fuzz.from=I} skips the corpus and the random inputs before index I (to replay
 * one). A failure names the input (the corpus file, or the seed and index) and the last steps.
 */
class VerbsApiSequenceTest {
    private static final String CORPUS = "/io/rdma4j/verbs/api-corpus";

    @BeforeAll
    static void device() {
        SoftRoce.assumeDevice();
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void corpusThenRandomSequences() throws Throwable {
        long seconds = Long.getLong("rdma4j.verbs.fuzz.seconds", 60);
        long seed = Long.getLong("rdma4j.verbs.fuzz.seed", 5);
        long from = Long.getLong("rdma4j.verbs.fuzz.from", 0);
        VerbsContractProfile profile = new VerbsContractProfile();
        RdmaOptions options = ApiSequenceRunner.edgeCases(profile.options()).build();
        // A lease ends on the core's timer: under TCG it may run seconds late.
        Duration leaseSlack = Duration.ofSeconds(SoftRoce.inGuest() ? 5 : 2);
        List<Path> corpus = corpus();
        assertTrue(corpus.size() >= 10, "the committed corpus was not found or is tiny: " + corpus.size() + " inputs");
        long t0 = System.nanoTime();
        try (ApiSequenceRunner runner = new ApiSequenceRunner(options, profile.host(), profile.patience(), leaseSlack)) {
            List<Path> replayed = from > 0 ? List.of() : corpus;
            for (Path p : replayed) {
                run(runner, Files.readAllBytes(p), "corpus input " + p.getFileName(), "");
            }
            long corpusMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            long corpusSteps = runner.steps();
            Random rnd = new Random(seed);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            int random = 0;
            while (System.nanoTime() < deadline) {
                byte[] input = new byte[16 + rnd.nextInt(2048)];
                rnd.nextBytes(input);
                if (random >= from) {
                    run(runner, input, "random input " + random + " of seed " + seed, "\nreplay it: RDMA4J_GUEST_JAVA_OPTS="
                            + "'-Drdma4j.verbs.fuzz.seed=" + seed + " -Drdma4j.verbs.fuzz.from=" + random
                            + " -Drdma4j.verbs.fuzz.seconds=20' scripts/test-verbs -- --select-class=" + VerbsApiSequenceTest.class.getName());
                }
                random++;
            }
            System.out.printf("verbs api sequences: %d corpus inputs (%d steps, %d ms), then random inputs %d to %d of seed %d"
                    + " (%d steps, %d s budget); %d sequences, %d steps in all, leaks found %d, %d ms%n",
                    replayed.size(), corpusSteps, corpusMs, from, random - 1, seed, runner.steps() - corpusSteps, seconds,
                    runner.inputs(), runner.steps(), runner.leaks(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }

    private static void run(ApiSequenceRunner runner, byte[] input, String name, String replay) throws Throwable {
        try {
            runner.run(FuzzInput.of(input));
        } catch (Throwable t) {
            AssertionError e = new AssertionError(name + " (" + input.length + " bytes) failed: " + t.getMessage() + replay, t);
            throw e;
        }
    }

    private static List<Path> corpus() throws Exception {
        URL dir = VerbsApiSequenceTest.class.getResource(CORPUS);
        if (dir == null) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(Path.of(URI.create(dir.toString())))) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
