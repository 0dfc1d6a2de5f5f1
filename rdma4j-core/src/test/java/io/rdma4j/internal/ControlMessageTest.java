package io.rdma4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.rdma4j.ProtocolException;
import io.rdma4j.spi.AccessFlags;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The control channel's codec: exact round trips, and nothing but ProtocolException for garbage. */
class ControlMessageTest {
    private static final int RW = AccessFlags.REMOTE_READ | AccessFlags.REMOTE_WRITE;

    @Test
    void everyTypeRoundTrips() {
        List<ControlMessage> all = List.of(
                ControlMessage.grant(7, 3, 0x7f00_1234_5000L, 4096, 0xabcd, RW, 5_000_000_000L),
                ControlMessage.request(9, 1 << 20, AccessFlags.REMOTE_ATOMIC, 1_000),
                ControlMessage.refuse(9, "over budget"),
                ControlMessage.release(7),
                ControlMessage.revoked(7));
        for (ControlMessage m : all) {
            assertEquals(m, ControlMessage.decode(m.encode()));
        }
    }

    @Test
    void malformedMessagesAreProtocolErrors() {
        MemorySegment good = ControlMessage.grant(1, 0, 4096, 64, 1, RW, 1).encode();
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(good.asSlice(0, good.byteSize() - 1)), "truncated");
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(mutate(good, 0, (byte) 2)), "version");
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(mutate(good, 1, (byte) 99)), "type");
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(mutate(good, 2, (byte) 1)), "reserved");
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(mutate(good, 4, (byte) 47)), "body length");
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(mutate(good, 8 + 36, (byte) 0x10)), "access bits");
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(MemorySegment.ofArray(new byte[4])), "short");
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(MemorySegment.ofArray(new byte[100_000])), "huge");
        MemorySegment zeroLength = ControlMessage.grant(1, 0, 4096, 64, 1, RW, 1).encode();
        zeroLength.set(ValueLayout.JAVA_LONG_UNALIGNED, 8 + 24, 0L);
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(zeroLength), "empty grant");
        MemorySegment wrap = ControlMessage.grant(1, 0, -16, 64, 1, RW, 1).encode();
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(wrap), "grant wraps the address space");
        MemorySegment lying = ControlMessage.refuse(1, "x").encode();
        lying.set(ValueLayout.JAVA_INT_UNALIGNED, 8 + 8, 150);
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(lying), "reason length lies");
    }

    @Test
    void randomBytesNeverEscapeAsAnythingElse() {
        Random rnd = new Random(1);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[rnd.nextInt(80)];
            rnd.nextBytes(b);
            if (b.length > 1 && rnd.nextBoolean()) {
                b[0] = 1; // get past the version check often
                b[1] = (byte) (1 + rnd.nextInt(5));
            }
            try {
                ControlMessage.decode(MemorySegment.ofArray(b));
            } catch (ProtocolException expected) {
                // the only failure allowed
            }
        }
    }

    private static MemorySegment mutate(MemorySegment m, long offset, byte value) {
        MemorySegment copy = MemorySegment.ofArray(m.toArray(ValueLayout.JAVA_BYTE));
        copy.set(ValueLayout.JAVA_BYTE, offset, value);
        return copy;
    }
}
