package io.rdma4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.PollMode;
import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * That every benchmark runs: one short iteration each, in this JVM, no figures checked (timing
 * belongs to the benchmark runs, never to unit tests).
 */
@Timeout(300)
class BenchSmokeTest {

    @Test
    void everyJmhBenchmarkRunsOnce() throws Exception {
        // VerbsCallBench needs an RDMA device (the Soft-RoCE guest); elsewhere it is left out
        boolean verbs = VerbsCallBench.deviceAvailable();
        OptionsBuilder b = new OptionsBuilder();
        b.include("io\\.rdma4j\\.bench\\..*");
        if (!verbs) {
            b.exclude("VerbsCallBench");
        }
        Options o = b
                .param("size", "64")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(o).run();
        assertFalse(results.isEmpty());
        // 6 WriteBench + 5 CoreBench + 3 PoolBench + 2 SocketChannelBench + 2 TcpVsSocketBench (+ 2 x 2 VerbsCallBench)
        assertEquals(verbs ? 22 : 18, results.size());
    }

    @Test
    void loopbackPerfProducesItsLines() throws Exception {
        assertTrue(LoopbackPerf.rdma4jBandwidth(65536, 4, PollMode.ADAPTIVE, 0.05, 0.1).startsWith("RESULT impl=rdma4j test=bw"));
        assertTrue(LoopbackPerf.socketBandwidth(65536, 0.05, 0.1).startsWith("RESULT impl=socket test=bw"));
        assertTrue(LoopbackPerf.rdma4jLatency(8, PollMode.ADAPTIVE, true, 0.05, 0.1).startsWith("RESULT impl=rdma4j test=lat"));
        assertTrue(LoopbackPerf.socketLatency(8, 0.05, 0.1).startsWith("RESULT impl=socket test=lat"));
    }
}
