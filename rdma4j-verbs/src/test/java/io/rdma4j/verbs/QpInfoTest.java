package io.rdma4j.verbs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rdma4j.ConnectionException;
import io.rdma4j.ffi.Gid;
import io.rdma4j.ffi.QpAttr;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs on the host: the connection-exchange formats and the timer code conversions. */
class QpInfoTest {
    private static final Gid GID = Gid.parse("::ffff:10.77.0.1");

    @Test
    void theOutOfBandFormIsIbvRcPingpongs() {
        byte[] wire = new QpInfo(0, 0x11, 0xabcdef, GID).toWire();
        assertEquals(52, wire.length, "sizeof \"0000:000000:000000:\" plus 32 hex digits and the NUL");
        String expected = "0000:000011:abcdef:00000000000000000000ffff0a4d0001";
        assertEquals(expected, new String(wire, 0, 51, StandardCharsets.US_ASCII));
        assertEquals(0, wire[51]);
        assertEquals(new QpInfo(0, 0x11, 0xabcdef, GID), QpInfo.fromWire(wire, 0));
    }

    @Test
    void aMalformedOutOfBandAddressIsAConnectionError() {
        byte[] junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n                          ".getBytes(StandardCharsets.US_ASCII);
        assertThrows(ConnectionException.class, () -> QpInfo.fromWire(junk, 0));
    }

    @Test
    void privateDataRoundTripsAndFitsAConnectRequest() {
        QpInfo q = new QpInfo(7, 0x123456, 0x654321, GID);
        byte[] pd = q.toPrivateData();
        assertTrue(pd.length <= 56, "rdma_connect private data on IB/RoCE is at most 56 bytes");
        byte[] padded = java.util.Arrays.copyOf(pd, 56); // what the CM delivers
        assertEquals(q, QpInfo.fromPrivateData(padded));
    }

    @Test
    void foreignPrivateDataIsRefused() {
        ConnectionException e = assertThrows(ConnectionException.class, () -> QpInfo.fromPrivateData(new byte[56]));
        assertTrue(e.getMessage().contains("not an rdma4j"), e.getMessage());
        assertThrows(ConnectionException.class, () -> QpInfo.fromPrivateData(new byte[3]));
    }

    @Test
    void timerCodes() {
        assertEquals(14, QpAttr.rnrTimerCode(TimeUnit.MILLISECONDS.toNanos(1)), "1 ms -> 1.28 ms");
        assertEquals(1, QpAttr.rnrTimerCode(0));
        assertEquals(0, QpAttr.rnrTimerCode(TimeUnit.SECONDS.toNanos(1)), "beyond 491 ms: 655 ms");
        assertEquals(20, QpAttr.ackTimeoutCode(TimeUnit.SECONDS.toNanos(4)), "4 s -> 4.096 us * 2^20 = 4.3 s");
        assertEquals(1, QpAttr.ackTimeoutCode(1));
        assertArrayEquals(new int[] {31}, new int[] {QpAttr.ackTimeoutCode(Long.MAX_VALUE)});
    }
}
