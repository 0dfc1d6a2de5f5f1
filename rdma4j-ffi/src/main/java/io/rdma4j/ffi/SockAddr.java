package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Conversions between {@link InetSocketAddress} and {@code struct sockaddr_in/_in6}. */
final class SockAddr {
    private SockAddr() {}

    static final short AF_INET = 2;
    static final short AF_INET6 = 10;

    /** Writes {@code address} as a sockaddr into {@code dst} (at least 28 bytes), zeroing the rest. */
    static MemorySegment write(MemorySegment dst, InetSocketAddress address) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + address);
        }
        dst.fill((byte) 0);
        InetAddress a = address.getAddress();
        if (a instanceof Inet4Address) {
            dst.set(JAVA_SHORT, 0, AF_INET);
            dst.set(Layouts.BE_SHORT, 2, (short) address.getPort());
            MemorySegment.copy(a.getAddress(), 0, dst, JAVA_BYTE, 4, 4);
            return dst.asSlice(0, Layouts.SOCKADDR_IN.byteSize());
        }
        dst.set(JAVA_SHORT, 0, AF_INET6);
        dst.set(Layouts.BE_SHORT, 2, (short) address.getPort());
        MemorySegment.copy(a.getAddress(), 0, dst, JAVA_BYTE, 8, 16);
        if (a instanceof Inet6Address v6) {
            dst.set(java.lang.foreign.ValueLayout.JAVA_INT, 24, v6.getScopeId());
        }
        return dst.asSlice(0, Layouts.SOCKADDR_IN6.byteSize());
    }

    /** Reads a sockaddr_in or sockaddr_in6; null for another family (or none). */
    static InetSocketAddress read(MemorySegment src) {
        short family = src.get(JAVA_SHORT, 0);
        int port = Short.toUnsignedInt(src.get(Layouts.BE_SHORT, 2));
        try {
            if (family == AF_INET) {
                byte[] b = new byte[4];
                MemorySegment.copy(src, JAVA_BYTE, 4, b, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(b), port);
            }
            if (family == AF_INET6) {
                byte[] b = new byte[16];
                MemorySegment.copy(src, JAVA_BYTE, 8, b, 0, 16);
                return new InetSocketAddress(InetAddress.getByAddress(b), port);
            }
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
        return null;
    }
}
