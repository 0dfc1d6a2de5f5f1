package io.rdma4j.cli.perf;

import java.util.Arrays;

/**
 * perftest's latency columns from samples in nanoseconds: minimum, maximum, typical (the
 * median), average, standard deviation and the 99% and 99.9% percentiles (the sample at that
 * rank of the sorted samples, as perftest takes it).
 *
 * @param count samples
 * @param min nanoseconds
 * @param max nanoseconds
 * @param median nanoseconds
 * @param average nanoseconds
 * @param stdev nanoseconds
 * @param p99 nanoseconds
 * @param p999 nanoseconds
 */
public record LatencyStats(int count, double min, double max, double median, double average, double stdev,
                           double p99, double p999) {

    /**
     * Computes the statistics; sorts {@code samples} in place.
     *
     * @param samples at least one, nanoseconds
     * @return the statistics
     */
    public static LatencyStats of(long[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        Arrays.sort(samples);
        int n = samples.length;
        double sum = 0;
        for (long s : samples) {
            sum += s;
        }
        double avg = sum / n;
        double sq = 0;
        for (long s : samples) {
            sq += (s - avg) * (s - avg);
        }
        return new LatencyStats(n, samples[0], samples[n - 1], samples[n / 2], avg, Math.sqrt(sq / n),
                samples[rank(n, 0.99)], samples[rank(n, 0.999)]);
    }

    private static int rank(int n, double q) {
        return Math.clamp((long) Math.ceil(n * q) - 1, 0, n - 1);
    }

    /**
     * The same statistics scaled, e.g. by one half for ping-pong tests that report half a round trip.
     *
     * @param factor the scale
     * @return scaled statistics
     */
    public LatencyStats scaled(double factor) {
        return new LatencyStats(count, min * factor, max * factor, median * factor, average * factor, stdev * factor,
                p99 * factor, p999 * factor);
    }
}
