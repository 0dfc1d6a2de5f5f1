package io.rdma4j.tcp.load;

import io.rdma4j.RdmaOptions;
import io.rdma4j.testkit.MixedLoad;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Load: {@value #DEFAULT_CONNECTIONS} connections at once on the tcp provider, each with mixed
 * operations and checksums for a bounded time (about 15 s; {@code -Drdma4j.load.seconds=N} and
 * {@code -Drdma4j.load.connections=N} for more, as scripts/soak does). The workload and its
 * checks are the testkit's {@link MixedLoad}, which verbs runs too.
 */
class ManyConnectionsLoadTest {
    static final int DEFAULT_CONNECTIONS = 256;

    @Test
    @Timeout(600)
    void manyConnectionsMixedOperationsLoseNothing() throws Exception {
        int n = Integer.getInteger("rdma4j.load.connections", DEFAULT_CONNECTIONS);
        long seconds = Long.getLong("rdma4j.load.seconds", 15);
        RdmaOptions o = RdmaOptions.builder().provider("tcp")
                .sendQueueDepth(16).receiveQueueDepth(16).completionQueueSize(8192)
                .operationTimeout(Duration.ofSeconds(60)).connectTimeout(Duration.ofSeconds(60))
                .build();
        System.out.println("load: " + MixedLoad.run(o, "127.0.0.1", n, seconds, Duration.ofSeconds(60)));
    }
}
