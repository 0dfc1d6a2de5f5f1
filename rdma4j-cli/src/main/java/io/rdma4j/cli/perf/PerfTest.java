package io.rdma4j.cli.perf;

import java.util.Locale;

/** perftest's tests, with perftest's defaults. */
public enum PerfTest {
    /** RDMA WRITE bandwidth ({@code ib_write_bw}). */
    WRITE_BW(true, 65536, 5000, 128),
    /** RDMA READ bandwidth ({@code ib_read_bw}). */
    READ_BW(true, 65536, 5000, 128),
    /** SEND bandwidth ({@code ib_send_bw}). */
    SEND_BW(true, 65536, 5000, 128),
    /** RDMA WRITE latency, ping-pong through memory ({@code ib_write_lat}); half the round trip. */
    WRITE_LAT(false, 2, 1000, 1),
    /** RDMA READ latency ({@code ib_read_lat}); the whole round trip. */
    READ_LAT(false, 2, 1000, 1),
    /** SEND latency, ping-pong ({@code ib_send_lat}); half the round trip. */
    SEND_LAT(false, 2, 1000, 1),
    /** Fetch-and-add latency ({@code ib_atomic_lat}); the whole round trip, always 8 bytes. */
    ATOMIC_LAT(false, 8, 1000, 1);

    private final boolean bandwidth;
    private final int defaultSize;
    private final int defaultIterations;
    private final int defaultTxDepth;

    PerfTest(boolean bandwidth, int defaultSize, int defaultIterations, int defaultTxDepth) {
        this.bandwidth = bandwidth;
        this.defaultSize = defaultSize;
        this.defaultIterations = defaultIterations;
        this.defaultTxDepth = defaultTxDepth;
    }

    /** perftest's name, e.g. {@code write_bw}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether it reports bandwidth (else latency). */
    public boolean bandwidth() {
        return bandwidth;
    }

    /** Whether both sides take part in every iteration (ping-pong). */
    public boolean pingPong() {
        return this == WRITE_LAT || this == SEND_LAT;
    }

    /** Whether the server posts receives for the client's messages. */
    public boolean sends() {
        return this == SEND_BW || this == SEND_LAT;
    }

    /** perftest's default message size. */
    public int defaultSize() {
        return defaultSize;
    }

    /** perftest's default iterations. */
    public int defaultIterations() {
        return defaultIterations;
    }

    /** perftest's default number of outstanding operations. */
    public int defaultTxDepth() {
        return defaultTxDepth;
    }

    /**
     * The test with this name.
     *
     * @param s e.g. {@code write_bw}
     * @return the test
     * @throws IllegalArgumentException naming the tests when unknown
     */
    public static PerfTest parse(String s) {
        for (PerfTest t : values()) {
            if (t.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown test '" + s + "'; one of write_bw, read_bw, send_bw, write_lat,"
                + " read_lat, send_lat, atomic_lat");
    }
}
