package io.rdma4j.verbs;

import io.rdma4j.RdmaOptions;
import io.rdma4j.testkit.MixedLoad;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Load on verbs: 64 connections at once (64 data queue pairs, each connection also has its
 * control queue pair) on Soft-RoCE, each with mixed operations (WRITE, READ, SEND/RECV,
 * fetch-and-add, compare-and-swap, batches) and checksums for a bounded time; no completed
 * operation lost or corrupted, everything released at the end. The workload and its checks are
 * the testkit's {@link MixedLoad}, which the tcp provider runs with 256 connections.
 *
 * <p>{@code -Drdma4j.verbs.load.seconds=N} (default 30) and {@code -Drdma4j.verbs.load.connections=N}.
 */
class VerbsManyQueuePairsLoadTest {
    @BeforeAll
    static void device() {
        SoftRoce.assumeDevice();
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void sixtyFourQueuePairsMixedOperationsLoseNothing() throws Exception {
        int n = Integer.getInteger("rdma4j.verbs.load.connections", 64);
        long seconds = Long.getLong("rdma4j.verbs.load.seconds", 30);
        VerbsContractProfile profile = new VerbsContractProfile();
        RdmaOptions o = profile.options().sendQueueDepth(16).receiveQueueDepth(16).completionQueueSize(8192).build();
        System.out.println("verbs load: " + MixedLoad.run(o, profile.host(), n, seconds, profile.patience()));
    }
}
