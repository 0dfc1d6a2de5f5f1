package io.rdma4j.verbs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.ConnectionClosedException;
import io.rdma4j.spi.CompletionQueue;
import io.rdma4j.spi.EndpointSpec;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.ProviderEndpoint;
import io.rdma4j.spi.ProviderListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The peer's disconnect and the local close of one endpoint at the same moment still destroy
 * both of its queue pairs. The event loop, told DISCONNECTED, moves the QPs to the error state
 * (a uverbs command that holds the QP); a close racing it used to find the endpoint already
 * "disconnected", go straight to {@code ibv_destroy_qp}, get EBUSY from the kernel and lose it
 * (librdmacm's {@code rdma_destroy_qp} returns void), leaving a QP on the completion queue: the
 * context's close then failed with EBUSY from {@code ibv_destroy_cq} (VerbsApiSequenceTest,
 * 2026-12-04). Here the two calls are started together many times, and each endpoint's QPs and
 * finally the completion queue must be gone.
 */
@Timeout(600)
class VerbsCloseRaceTest {
    private static final int ROUNDS = Integer.getInteger("rdma4j.verbs.closeRace.rounds", 150);
    @Test
    void aPeerDisconnectRacingCloseLeavesNoQueuePair() throws Exception {
        SoftRoce.assumeDevice();
        VerbsProvider p = new VerbsProvider();
        var config = SoftRoce.config(Map.of());
        try (ProviderDevice sd = p.open(config); ProviderDevice cd = p.open(config)) {
            CompletionQueue sq = sd.createCompletionQueue(64);
            CompletionQueue cq = cd.createCompletionQueue(64);
            ProviderListener l = sd.listen(new InetSocketAddress(SoftRoce.address(), 0), 8);
            java.util.Random rnd = new java.util.Random(1);
            for (int round = 0; round < ROUNDS; round++) {
                CompletableFuture<ProviderEndpoint> acc = CompletableFuture.supplyAsync(
                        () -> l.accept(new EndpointSpec(sq, sq, 4, 4, SoftRoce.QUIET), Duration.ofSeconds(60)));
                ProviderEndpoint c = cd.connect(l.localAddress(), new EndpointSpec(cq, cq, 4, 4, SoftRoce.QUIET), Duration.ofSeconds(60));
                VerbsEndpoint s = (VerbsEndpoint) acc.get(60, TimeUnit.SECONDS);
                // what the event loop does on DISCONNECTED, against the user's close right after
                // it began: the close then lands while the event loop moves the QPs to error
                AtomicBoolean go = new AtomicBoolean();
                CompletableFuture<Void> gone = CompletableFuture.runAsync(() -> {
                    spinUntil(go::get, TimeUnit.SECONDS.toNanos(60), "never started");
                    s.peerGone(new ConnectionClosedException("the peer disconnected (test)"));
                }, r -> Thread.ofPlatform().daemon().start(r));
                long jitterNanos = rnd.nextInt(50_000);
                Thread.sleep(1); // the other thread is spinning by now
                go.set(true);
                spinUntil(s::disconnectBegun, TimeUnit.SECONDS.toNanos(60), "the disconnect never began");
                long until = System.nanoTime() + jitterNanos;
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
                s.close();
                gone.get(60, TimeUnit.SECONDS);
                assertTrue(s.qp.isClosed(), "round " + round + ": the data QP was not destroyed");
                assertTrue(s.control.qp.isClosed(), "round " + round + ": the control QP was not destroyed");
                c.close();
            }
            l.close();
            // a QP left on it makes this fail with EBUSY
            sq.close();
            cq.close();
        }
    }

    /** Spins until {@code done}; fails with {@code what} after {@code nanos}. */
    private static void spinUntil(BooleanSupplier done, long nanos, String what) {
        long deadline = System.nanoTime() + nanos;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what);
            }
            Thread.onSpinWait();
        }
    }
}
