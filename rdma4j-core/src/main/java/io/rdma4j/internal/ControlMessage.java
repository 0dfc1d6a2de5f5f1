package io.rdma4j.internal;

import io.rdma4j.ProtocolException;
import io.rdma4j.spi.AccessFlags;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The control channel's messages: grants, requests, refusals, releases and revocations, carried
 * by the provider next to the data path. Little-endian, fixed layouts with a version byte, a
 * type and a body length that must match the type exactly. {@link #decode} checks everything a
 * hostile peer could get wrong and throws {@link ProtocolException}, which closes the connection.
 *
 * <pre>
 * header (8 bytes): u8 version=1 | u8 type | u16 zero | u32 bodyLength
 * GRANT   (48): u64 grantId | u64 requestId (0 = unsolicited) | u64 address | u64 length | u32 rkey | u32 access | u64 leaseNanos
 * REQUEST (32): u64 requestId | u64 size | u32 access | u32 zero | u64 leaseNanos
 * REFUSE  (12 + n): u64 requestId | u32 n | n bytes UTF-8 reason, n <= 200
 * RELEASE  (8): u64 grantId       (holder gives a grant back)
 * REVOKED  (8): u64 grantId       (granter revoked it, or the lease ended)
 * </pre>
 */
record ControlMessage(int type, long id, long requestId, long address, long length, int rkey, int access,
                      long leaseNanos, String reason) {
    static final int VERSION = 1;
    static final int GRANT = 1;
    static final int REQUEST = 2;
    static final int REFUSE = 3;
    static final int RELEASE = 4;
    static final int REVOKED = 5;
    static final int HEADER = 8;
    static final int MAX_REASON = 200;
    static final int MAX_SIZE = HEADER + 12 + MAX_REASON;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int REMOTE_BITS = AccessFlags.REMOTE_READ | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_ATOMIC;

    static ControlMessage grant(long grantId, long requestId, long address, long length, int rkey, int access, long leaseNanos) {
        return new ControlMessage(GRANT, grantId, requestId, address, length, rkey, access, leaseNanos, "");
    }

    static ControlMessage request(long requestId, long size, int access, long leaseNanos) {
        return new ControlMessage(REQUEST, requestId, 0, 0, size, 0, access, leaseNanos, "");
    }

    static ControlMessage refuse(long requestId, String reason) {
        byte[] b = reason.getBytes(StandardCharsets.UTF_8);
        String r = b.length <= MAX_REASON ? reason : new String(b, 0, MAX_REASON, StandardCharsets.UTF_8);
        return new ControlMessage(REFUSE, requestId, 0, 0, 0, 0, 0, 0, r);
    }

    static ControlMessage release(long grantId) {
        return new ControlMessage(RELEASE, grantId, 0, 0, 0, 0, 0, 0, "");
    }

    static ControlMessage revoked(long grantId) {
        return new ControlMessage(REVOKED, grantId, 0, 0, 0, 0, 0, 0, "");
    }

    /** Encodes into a new heap segment (the provider copies it before it returns). */
    MemorySegment encode() {
        byte[] reasonBytes = reason.getBytes(StandardCharsets.UTF_8);
        if (reasonBytes.length > MAX_REASON) {
            reasonBytes = java.util.Arrays.copyOf(reasonBytes, MAX_REASON);
        }
        int body = switch (type) {
            case GRANT -> 48;
            case REQUEST -> 32;
            case REFUSE -> 12 + reasonBytes.length;
            default -> 8;
        };
        MemorySegment m = MemorySegment.ofArray(new byte[HEADER + body]);
        m.set(ValueLayout.JAVA_BYTE, 0, (byte) VERSION);
        m.set(ValueLayout.JAVA_BYTE, 1, (byte) type);
        m.set(U32, 4, body);
        long p = HEADER;
        switch (type) {
            case GRANT -> {
                m.set(U64, p, id);
                m.set(U64, p + 8, requestId);
                m.set(U64, p + 16, address);
                m.set(U64, p + 24, length);
                m.set(U32, p + 32, rkey);
                m.set(U32, p + 36, access);
                m.set(U64, p + 40, leaseNanos);
            }
            case REQUEST -> {
                m.set(U64, p, id);
                m.set(U64, p + 8, length);
                m.set(U32, p + 16, access);
                m.set(U64, p + 24, leaseNanos);
            }
            case REFUSE -> {
                m.set(U64, p, id);
                m.set(U32, p + 8, reasonBytes.length);
                MemorySegment.copy(reasonBytes, 0, m, ValueLayout.JAVA_BYTE, p + 12, reasonBytes.length);
            }
            default -> m.set(U64, p, id);
        }
        return m;
    }

    /**
     * Decodes and validates one message.
     *
     * @param m the bytes as the provider delivered them
     * @return the message
     * @throws ProtocolException on any violation
     */
    static ControlMessage decode(MemorySegment m) {
        long size = m.byteSize();
        if (size < HEADER || size > MAX_SIZE) {
            throw bad("message of " + size + " bytes (must be " + HEADER + ".." + MAX_SIZE + ")");
        }
        int version = Byte.toUnsignedInt(m.get(ValueLayout.JAVA_BYTE, 0));
        if (version != VERSION) {
            throw bad("version " + version + " (this side speaks " + VERSION + ")");
        }
        int type = Byte.toUnsignedInt(m.get(ValueLayout.JAVA_BYTE, 1));
        if (m.get(ValueLayout.JAVA_BYTE, 2) != 0 || m.get(ValueLayout.JAVA_BYTE, 3) != 0) {
            throw bad("reserved header bytes are not zero");
        }
        long body = Integer.toUnsignedLong(m.get(U32, 4));
        if (body != size - HEADER) {
            throw bad("body length " + body + " but " + (size - HEADER) + " bytes arrived");
        }
        long p = HEADER;
        return switch (type) {
            case GRANT -> {
                expect(type, body, 48);
                long grantId = m.get(U64, p);
                long address = m.get(U64, p + 16);
                long length = m.get(U64, p + 24);
                int access = m.get(U32, p + 36);
                long lease = m.get(U64, p + 40);
                checkAccess(access);
                if (length <= 0) {
                    throw bad("grant of " + length + " bytes");
                }
                if (Long.compareUnsigned(address + length - 1, address) < 0) {
                    throw bad("grant range wraps around the address space");
                }
                if (lease <= 0) {
                    throw bad("grant with lease " + lease + " ns");
                }
                yield grant(grantId, m.get(U64, p + 8), address, length, m.get(U32, p + 32), access, lease);
            }
            case REQUEST -> {
                expect(type, body, 32);
                int access = m.get(U32, p + 16);
                checkAccess(access);
                if (m.get(U32, p + 20) != 0) {
                    throw bad("reserved request field is not zero");
                }
                yield request(m.get(U64, p), m.get(U64, p + 8), access, m.get(U64, p + 24));
            }
            case REFUSE -> {
                if (body < 12) {
                    throw bad("refusal body of " + body + " bytes");
                }
                long n = Integer.toUnsignedLong(m.get(U32, p + 8));
                if (n > MAX_REASON || body != 12 + n) {
                    throw bad("refusal reason of " + n + " bytes in a body of " + body);
                }
                byte[] r = new byte[(int) n];
                MemorySegment.copy(m, ValueLayout.JAVA_BYTE, p + 12, r, 0, (int) n);
                yield refuse(m.get(U64, p), new String(r, StandardCharsets.UTF_8));
            }
            case RELEASE -> {
                expect(type, body, 8);
                yield release(m.get(U64, p));
            }
            case REVOKED -> {
                expect(type, body, 8);
                yield revoked(m.get(U64, p));
            }
            default -> throw bad("unknown message type " + type);
        };
    }

    private static void expect(int type, long body, int want) {
        if (body != want) {
            throw bad("type " + type + " with a body of " + body + " bytes (must be " + want + ")");
        }
    }

    private static void checkAccess(int access) {
        if (access == 0 || (access & ~REMOTE_BITS) != 0) {
            throw bad("access bits 0x" + Integer.toHexString(access));
        }
    }

    private static ProtocolException bad(String what) {
        return new ProtocolException("peer sent a malformed control message: " + what);
    }
}
