package io.rdma4j.testkit;

import java.util.Arrays;

/**
 * The fuzzer input an {@link ApiSequenceRunner} interprets: the part of Jazzer's
 * {@code FuzzedDataProvider} it uses, so the interpreter needs no Jazzer (the verbs tests run in a
 * guest without the Jazzer agent). A Jazzer target adapts its provider ({@code data::consumeInt}
 * and so on); {@link #of(byte[])} decodes plain bytes exactly as Jazzer's provider does, so a
 * committed Jazzer input replays as the same call sequence anywhere.
 */
public interface FuzzInput {
    /** @return the next boolean */
    boolean consumeBoolean();

    /** @return the next int, any value */
    int consumeInt();

    /**
     * @param min the least value
     * @param max the greatest value
     * @return the next int in {@code [min, max]}
     */
    int consumeInt(int min, int max);

    /** @return the next long, any value */
    long consumeLong();

    /**
     * @param min the least value
     * @param max the greatest value
     * @return the next long in {@code [min, max]}
     */
    long consumeLong(long min, long max);

    /**
     * @param maxLength the most bytes to take
     * @return up to {@code maxLength} bytes (fewer when the input runs out)
     */
    byte[] consumeBytes(int maxLength);

    /** @return bytes not consumed yet */
    int remainingBytes();

    /**
     * Plain bytes read as Jazzer's (libFuzzer's) {@code FuzzedDataProvider} reads them: integers
     * and booleans from the end, byte arrays from the front, zeros (the minimum) once empty.
     *
     * @param data the input, not copied
     * @return a decoder over it
     */
    static FuzzInput of(byte[] data) {
        return new Bytes(data);
    }

    /** libFuzzer's {@code FuzzedDataProvider} decoding, which Jazzer's native provider implements. */
    final class Bytes implements FuzzInput {
        private final byte[] data;
        private int front;
        private int remaining;

        Bytes(byte[] data) {
            this.data = data;
            this.remaining = data.length;
        }

        /**
         * {@code ConsumeIntegralInRange} as Jazzer has it: up to {@code bits / 8} bytes from the end,
         * big-endian; a value already in {@code [min, max]} is taken as it is (so the fuzzer's
         * comparison hints land), any other is reduced modulo the range above {@code min}.
         */
        private long inRange(long min, long max, int bits) {
            if (min > max) {
                throw new IllegalArgumentException("min " + min + " > max " + max);
            }
            long range = max - min; // unsigned
            long raw = raw(range, bits);
            long asT = bits == 32 ? (int) raw : raw;
            if (min <= asT && asT <= max) {
                return asT;
            }
            return range == -1L ? min + raw : min + Long.remainderUnsigned(raw, range + 1);
        }

        /** Big-endian bytes from the end, as many as {@code range} needs (at most {@code bits / 8}). */
        private long raw(long range, int bits) {
            long result = 0;
            int offset = 0;
            while (offset < bits && (range >>> offset) != 0 && remaining != 0) {
                remaining--;
                result = (result << 8) | (data[front + remaining] & 0xFF);
                offset += 8;
            }
            return result;
        }

        @Override
        public boolean consumeBoolean() {
            return (raw(255, 8) & 1) != 0;
        }

        @Override
        public int consumeInt() {
            return (int) inRange(Integer.MIN_VALUE, Integer.MAX_VALUE, 32);
        }

        @Override
        public int consumeInt(int min, int max) {
            return (int) inRange(min, max, 32);
        }

        @Override
        public long consumeLong() {
            return inRange(Long.MIN_VALUE, Long.MAX_VALUE, 64);
        }

        @Override
        public long consumeLong(long min, long max) {
            return inRange(min, max, 64);
        }

        @Override
        public byte[] consumeBytes(int maxLength) {
            int n = Math.max(0, Math.min(maxLength, remaining));
            byte[] b = Arrays.copyOfRange(data, front, front + n);
            front += n;
            remaining -= n;
            return b;
        }

        @Override
        public int remainingBytes() {
            return remaining;
        }
    }
}
