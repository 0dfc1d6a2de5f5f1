package io.rdma4j.cli.perf;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One line of perftest's report: a bandwidth line or a latency line (microseconds).
 *
 * @param bytes message size
 * @param iterations measured operations
 * @param bwPeak MB/sec (2^20 bytes, as perftest), bandwidth tests only
 * @param bwAverage MB/sec
 * @param msgRate millions of messages per second
 * @param lat latency in microseconds, latency tests only
 */
public record PerfResult(long bytes, long iterations, double bwPeak, double bwAverage, double msgRate, LatencyStats lat) {

    /** perftest's mega: 2^20 bytes. */
    public static final double MB = 1 << 20;

    /** The header of bandwidth reports, as perftest prints it. */
    public static final String BW_HEADER = " #bytes     #iterations    BW peak[MB/sec]    BW average[MB/sec]   MsgRate[Mpps]";
    /** The header of latency reports, as perftest prints it. */
    public static final String LAT_HEADER = " #bytes #iterations    t_min[usec]    t_max[usec]  t_typical[usec]    t_avg[usec]"
            + "    t_stdev[usec]   99% percentile[usec]   99.9% percentile[usec] ";
    /** perftest's rule. */
    public static final String RULE = "-".repeat(87);

    /** Whether this is a bandwidth line. */
    public boolean isBandwidth() {
        return lat == null;
    }

    /** The line as perftest formats it. */
    public String line() {
        if (isBandwidth()) {
            return String.format(Locale.ROOT, " %-7d    %-7d          %-7.2f            %-7.2f            %-7.6f",
                    bytes, iterations, bwPeak, bwAverage, msgRate);
        }
        return String.format(Locale.ROOT, " %-7d %-7d          %-7.2f        %-7.2f      %-7.2f          %-7.2f        %-7.2f"
                        + "          %-7.2f                %-7.2f",
                bytes, iterations, lat.min(), lat.max(), lat.median(), lat.average(), lat.stdev(), lat.p99(), lat.p999());
    }

    /** For {@code --json}, with perftest's column meanings in the key names. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytes", bytes);
        m.put("iterations", iterations);
        if (isBandwidth()) {
            m.put("bw_peak_mb_per_sec", round(bwPeak, 2));
            m.put("bw_average_mb_per_sec", round(bwAverage, 2));
            m.put("msg_rate_mpps", round(msgRate, 6));
        } else {
            m.put("t_min_usec", round(lat.min(), 3));
            m.put("t_max_usec", round(lat.max(), 3));
            m.put("t_typical_usec", round(lat.median(), 3));
            m.put("t_avg_usec", round(lat.average(), 3));
            m.put("t_stdev_usec", round(lat.stdev(), 3));
            m.put("p99_usec", round(lat.p99(), 3));
            m.put("p99_9_usec", round(lat.p999(), 3));
        }
        return m;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** Bandwidth to draw: MB/sec (average), or for a latency test the size over the typical time. */
    public double chartBandwidth() {
        return isBandwidth() ? bwAverage : lat.median() > 0 ? bytes / (lat.median() * 1e-6) / MB : 0;
    }

    /** Latency to draw in microseconds: typical, or for a bandwidth test the time per message. */
    public double chartLatency() {
        return isBandwidth() ? (msgRate > 0 ? 1 / msgRate : 0) : lat.median();
    }

    /**
     * Encodes for the wire: the client sends its results so the server prints them too.
     *
     * @return one line of numbers
     */
    String encode() {
        if (isBandwidth()) {
            return "bw " + bytes + " " + iterations + " " + bwPeak + " " + bwAverage + " " + msgRate;
        }
        return "lat " + bytes + " " + iterations + " " + lat.count() + " " + lat.min() + " " + lat.max() + " " + lat.median()
                + " " + lat.average() + " " + lat.stdev() + " " + lat.p99() + " " + lat.p999();
    }

    /**
     * Decodes {@link #encode}.
     *
     * @param s the line
     * @return the result
     * @throws IllegalArgumentException when malformed
     */
    static PerfResult decode(String s) {
        String[] f = s.trim().split(" ");
        try {
            if (f[0].equals("bw") && f.length == 6) {
                return new PerfResult(Long.parseLong(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]),
                        Double.parseDouble(f[4]), Double.parseDouble(f[5]), null);
            }
            if (f[0].equals("lat") && f.length == 11) {
                LatencyStats l = new LatencyStats(Integer.parseInt(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                        Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]),
                        Double.parseDouble(f[9]), Double.parseDouble(f[10]));
                return new PerfResult(Long.parseLong(f[1]), Long.parseLong(f[2]), 0, 0, 0, l);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed result from the peer: " + s, e);
        }
        throw new IllegalArgumentException("malformed result from the peer: " + s);
    }
}
