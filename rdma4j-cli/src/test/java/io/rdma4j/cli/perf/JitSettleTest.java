package io.rdma4j.cli.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** perf's wait for a quiet JIT between warm-up and measurement. */
class JitSettleTest {

    @Test
    void waitsUntilCompileTimeStopsGrowingForTwoChecks() {
        long[] readings = {100, 150, 220, 260, 260, 260, 999}; // compiles finish at checks 1-3, then none
        int[] next = {0};
        List<Long> slept = new ArrayList<>();
        long waited = JitSettle.await(() -> readings[next[0]++], () -> -1, slept::add, 250, 20_000);
        assertEquals(5 * 250, waited); // checks 1..5: grew, grew, grew, same, same
        assertEquals(List.of(250L, 250L, 250L, 250L, 250L), slept);
        assertEquals(6, next[0]); // the 999 was never read
    }

    @Test
    void givesUpAtItsLimitWhenTheJitNeverSettles() {
        long[] t = {0};
        long waited = JitSettle.await(() -> t[0] += 7, () -> -1, millis -> { }, 250, 2_000);
        assertEquals(2_000, waited);
    }

    @Test
    void aCompilationInFlightKeepsItWaitingThoughTheTotalDoesNotGrow() {
        // the compile total is still (a long compilation has not ended) while the process burns
        // a core for three checks (250 ms of CPU each), then idles (10 ms per check)
        long[] cpu = {0, 250_000_000L, 500_000_000L, 750_000_000L, 760_000_000L, 770_000_000L, 1L << 40};
        int[] next = {0};
        long waited = JitSettle.await(() -> 500, () -> cpu[next[0]++], millis -> { }, 250, 20_000);
        assertEquals(5 * 250, waited); // checks 1..3 busy, 4 and 5 quiet
        assertEquals(6, next[0]);
    }

    @Test
    void quietCpuWithACompilationEndingIsNotQuiet() {
        long[] total = {100, 200, 200, 200};
        int[] next = {0};
        long waited = JitSettle.await(() -> total[next[0]++], () -> 0, millis -> { }, 250, 20_000);
        assertEquals(3 * 250, waited); // check 1 saw a compilation end; 2 and 3 quiet
    }

    @Test
    void theRealJvmSettlesWithinTheLimit() {
        long start = System.nanoTime();
        long waited = JitSettle.await();
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waited <= JitSettle.MAX_MILLIS, "waited " + waited);
        assertTrue(tookMillis >= waited - 1, "reported " + waited + " ms but took " + tookMillis);
    }
}
