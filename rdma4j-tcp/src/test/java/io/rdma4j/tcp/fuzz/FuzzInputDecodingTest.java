package io.rdma4j.tcp.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.driver.FuzzedDataProviderImpl;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rdma4j.testkit.FuzzInput;
import java.util.Random;

/**
 * The testkit's {@link FuzzInput#of(byte[])} decodes bytes exactly as Jazzer's own provider does:
 * that is what lets the verbs tests, which run without Jazzer, replay this module's committed
 * corpus as the same call sequences.
 *
 * <p>A fuzz test only so that Jazzer's runtime (which its provider needs) is set up; the input
 * just seeds the pseudo-random bytes and calls compared (an empty input in {@code mvn test}).
 */
class FuzzInputDecodingTest {
    @FuzzTest(maxDuration = "5s")
    void decodesLikeJazzer(FuzzedDataProvider seed) {
        Random rnd = new Random(seed.consumeLong());
        int calls = 0;
        for (int input = 0; input < 500; input++) {
            byte[] data = new byte[rnd.nextInt(300)];
            rnd.nextBytes(data);
            FuzzInput ours = FuzzInput.of(data.clone());
            try (FuzzedDataProviderImpl theirs = FuzzedDataProviderImpl.withJavaData(data.clone())) {
                while (theirs.remainingBytes() > 0 || rnd.nextInt(8) != 0) {
                    calls++;
                    String at = "input " + input + ", call " + calls;
                    switch (rnd.nextInt(6)) {
                        case 0 -> assertEquals(theirs.consumeBoolean(), ours.consumeBoolean(), at);
                        case 1 -> assertEquals(theirs.consumeInt(), ours.consumeInt(), at);
                        case 2 -> {
                            int a = rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(200) - 100;
                            int b = rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(70_000);
                            int min = Math.min(a, b);
                            int max = Math.max(a, b);
                            assertEquals(theirs.consumeInt(min, max), ours.consumeInt(min, max), at);
                        }
                        case 3 -> assertEquals(theirs.consumeLong(), ours.consumeLong(), at);
                        case 4 -> {
                            long a = rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(20) - 8;
                            long b = rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(200_000);
                            long min = Math.min(a, b);
                            long max = Math.max(a, b);
                            assertEquals(theirs.consumeLong(min, max), ours.consumeLong(min, max), at);
                        }
                        default -> {
                            int n = rnd.nextInt(40);
                            assertArrayEquals(theirs.consumeBytes(n), ours.consumeBytes(n), at);
                        }
                    }
                    assertEquals(theirs.remainingBytes(), ours.remainingBytes(), at);
                }
            }
        }
    }
}
