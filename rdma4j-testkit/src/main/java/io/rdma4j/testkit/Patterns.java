package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import io.rdma4j.LocalMr;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * Byte patterns that differ per seed and per position, so a transfer that lands shifted,
 * truncated, duplicated or at the wrong place shows up in the comparison.
 */
public final class Patterns {
    private Patterns() {}

    /**
     * Pseudo-random bytes for a seed; never all one value.
     *
     * @param seed which pattern
     * @param length how many bytes
     * @return the bytes
     */
    public static byte[] bytes(long seed, int length) {
        byte[] b = new byte[length];
        new SplittableRandom(seed * 0x9E3779B97F4A7C15L + length).nextBytes(b);
        if (length > 0 && b[0] == 0) {
            b[0] = (byte) (seed | 1);
        }
        return b;
    }

    /**
     * The CRC32C of a byte range, as the two-process tests exchange it.
     *
     * @param b the bytes
     * @param offset the first
     * @param length how many
     * @return the checksum
     */
    public static long crc(byte[] b, int offset, int length) {
        CRC32C c = new CRC32C();
        c.update(b, offset, length);
        return c.getValue();
    }

    /**
     * Fails with the first differing offset when a region's range does not hold {@code expected}.
     *
     * @param what what was transferred, for the message
     * @param mr the region to read (with the CPU, so it must not be lent exclusively)
     * @param offset where the bytes should start
     * @param expected the bytes
     */
    public static void assertHolds(String what, LocalMr mr, long offset, byte[] expected) {
        byte[] actual = mr.getBytes(offset, expected.length);
        int at = Arrays.mismatch(expected, actual);
        if (at >= 0) {
            fail(what + ": byte " + at + " of " + expected.length + " (region offset " + (offset + at) + ") is "
                    + actual[at] + ", expected " + expected[at]);
        }
    }

    /**
     * Fails when any byte of a range differs from {@code value}: guard bytes around a target
     * must stay as they were.
     *
     * @param what the range, for the message
     * @param mr the region to read (with the CPU)
     * @param offset the first byte
     * @param length how many
     * @param value what each must hold
     */
    public static void assertFilled(String what, LocalMr mr, long offset, int length, byte value) {
        byte[] actual = mr.getBytes(offset, length);
        for (int i = 0; i < length; i++) {
            if (actual[i] != value) {
                fail(what + ": byte at region offset " + (offset + i) + " is " + actual[i] + ", expected " + value);
            }
        }
    }
}
