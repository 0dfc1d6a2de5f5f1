package io.rdma4j.verbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.CompletionHandler;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import io.rdma4j.spi.WorkOpcode;
import io.rdma4j.spi.WorkRequest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Posting and polling allocate nothing: after a warm-up, thousands of WRITE + poll round trips
 * through the provider's {@link ProviderEndpoint#postSend} and {@link CompletionQueue#poll}
 * allocate (almost) no heap, measured with the thread's allocation counter.
 */
@Timeout(300)
class VerbsHotPathTest {
    private int completed;
    private int lastStatus;

    @Test
    void postAndPollAllocateNothing() throws Exception {
        SoftRoce.assumeDevice();
        VerbsProvider p = new VerbsProvider();
        var config = SoftRoce.config(Map.of());
        try (Arena arena = Arena.ofShared(); ProviderDevice sd = p.open(config); ProviderDevice cd = p.open(config)) {
            CompletionQueue sq = sd.createCompletionQueue(64);
            CompletionQueue cq = cd.createCompletionQueue(64);
            ProviderListener l = sd.listen(new InetSocketAddress(SoftRoce.address(), 0), 8);
            CompletableFuture<ProviderEndpoint> acc = CompletableFuture.supplyAsync(
                    () -> l.accept(new EndpointSpec(sq, sq, 16, 16, SoftRoce.QUIET), Duration.ofSeconds(60)));
            ProviderEndpoint c = cd.connect(l.localAddress(), new EndpointSpec(cq, cq, 16, 16, SoftRoce.QUIET), Duration.ofSeconds(60));
            ProviderEndpoint s = acc.get(60, TimeUnit.SECONDS);
            MemorySegment target = arena.allocate(4096, 4096);
            MemoryRegistration granted = s.registerForPeer(target, AccessFlags.REMOTE_WRITE | AccessFlags.LOCAL_WRITE);
            MemorySegment src = arena.allocate(4096, 4096);
            MemoryRegistration local = cd.register(src, AccessFlags.LOCAL_WRITE);
            WorkRequest[] batch = {new WorkRequest(), new WorkRequest()};
            MemorySegment a = src.asSlice(0, 8);
            MemorySegment b = src.asSlice(64, 8);
            CompletionHandler h = (id, st, op, len, imm, hasImm, vendor) -> {
                completed++;
                lastStatus = st;
            };
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            int warmup = 3000;
            int measured = 3000;
            long before = 0;
            for (int i = 0; i < warmup + measured; i++) {
                if (i == warmup) {
                    before = mx.getThreadAllocatedBytes(tid);
                }
                batch[0].set(i, WorkOpcode.WRITE, a, local.lkey()).remote(target.address(), granted.rkey());
                batch[1].set(i, WorkOpcode.WRITE, b, local.lkey()).remote(target.address() + 64, granted.rkey());
                c.postSend(batch, 0, 2);
                completed = 0;
                long spins = 0;
                while (completed < 2) {
                    cq.poll(h, 16);
                    if (++spins > 200_000_000L) {
                        throw new AssertionError("no completion at iteration " + i);
                    }
                }
                if (lastStatus != 0) {
                    throw new AssertionError("status " + lastStatus + " at iteration " + i);
                }
            }
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            System.out.println("post+poll: " + allocated + " bytes allocated over " + measured + " batches of 2");
            assertTrue(allocated < measured, allocated + " bytes allocated over " + measured
                    + " post+poll round trips: the hot path allocates");
            assertEquals(0, lastStatus);
            c.disconnect();
            c.close();
            s.close();
            l.close();
            granted.close();
            local.close();
            sq.close();
            cq.close();
        }
    }
}
