package io.rdma4j.ffi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A 128-bit port address, {@code union ibv_gid}, as an immutable value (what two peers exchange
 * to connect RC QPs over RoCE).
 *
 * <pre>{@code
 * union ibv_gid {
 *     uint8_t raw[16];
 *     struct {
 *         __be64 subnet_prefix;
 *         __be64 interface_id;
 *     } global;
 * };
 * }</pre>
 *
 * <p>On RoCE v2 a GID is an IPv6 address, or an IPv4-mapped one ({@code ::ffff:10.77.0.1}).
 */
public final class Gid {
    /** Size in bytes. */
    public static final int BYTES = 16;
    private final byte[] raw;

    private Gid(byte[] raw) {
        this.raw = raw;
    }

    /**
     * @param raw 16 bytes in network order
     * @return the GID
     */
    public static Gid of(byte[] raw) {
        if (raw.length != BYTES) {
            throw new IllegalArgumentException("a GID has 16 bytes, not " + raw.length);
        }
        return new Gid(raw.clone());
    }

    /**
     * @param segment memory holding a {@code union ibv_gid}
     * @param offset where it starts
     * @return the GID
     */
    public static Gid read(MemorySegment segment, long offset) {
        return new Gid(segment.asSlice(offset, BYTES).toArray(ValueLayout.JAVA_BYTE));
    }

    /**
     * Parses the form {@link #toString()} prints, or any IPv6/IPv4 literal.
     *
     * @param text e.g. "fe80:0000:0000:0000:5054:00ff:fe12:3456" or "::ffff:10.77.0.1"
     * @return the GID
     */
    public static Gid parse(String text) {
        try {
            InetAddress a = InetAddress.ofLiteral(text);
            byte[] b = a.getAddress();
            if (b.length == 4) {
                byte[] mapped = new byte[BYTES];
                mapped[10] = (byte) 0xff;
                mapped[11] = (byte) 0xff;
                System.arraycopy(b, 0, mapped, 12, 4);
                b = mapped;
            }
            return new Gid(b);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a GID: " + text, e);
        }
    }

    /**
     * @param segment where to write 16 bytes
     * @param offset at which offset
     */
    public void writeTo(MemorySegment segment, long offset) {
        MemorySegment.copy(raw, 0, segment, ValueLayout.JAVA_BYTE, offset, BYTES);
    }

    /** @return a copy of the 16 bytes */
    public byte[] toByteArray() {
        return raw.clone();
    }

    /** @return {@code global.subnet_prefix} in host order */
    public long subnetPrefix() {
        return MemorySegment.ofArray(raw).get(Layouts.BE_LONG.withByteAlignment(1), 0);
    }

    /** @return {@code global.interface_id} in host order */
    public long interfaceId() {
        return MemorySegment.ofArray(raw).get(Layouts.BE_LONG.withByteAlignment(1), 8);
    }

    /** @return whether all bytes are zero (an unused table entry) */
    public boolean isZero() {
        for (byte b : raw) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** @return the GID as an IP address (an {@code Inet4Address} for IPv4-mapped GIDs) */
    public InetAddress toInetAddress() {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // 16 bytes are always a valid address
        }
    }

    /** @return eight groups of four hex digits, as {@code ibv_devinfo -v} prints GIDs */
    @Override
    public String toString() {
        String hex = HexFormat.of().formatHex(raw);
        StringBuilder b = new StringBuilder(39);
        for (int i = 0; i < 32; i += 4) {
            if (i > 0) {
                b.append(':');
            }
            b.append(hex, i, i + 4);
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Gid g && Arrays.equals(raw, g.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }
}
