package io.rdma4j.verbs;

import io.rdma4j.ConnectionException;
import io.rdma4j.ffi.Gid;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * What a peer needs to connect an RC QP to this one by hand: LID, QP number, starting PSN and GID.
 *
 * <p>Two encodings: the text {@code ibv_rc_pingpong} exchanges over TCP
 * ({@code "%04x:%06x:%06x:%s"} with the GID as 32 hex digits, NUL-terminated, 52 bytes), and a
 * binary form carried in rdma_cm private data for the control QP (magic {@code R4JV}, version).
 */
record QpInfo(int lid, int qpn, int psn, Gid gid) {
    static final int WIRE_SIZE = 52;
    private static final int MAGIC = 0x52344a56; // "R4JV"
    private static final int VERSION = 1;
    static final int PRIVATE_DATA_SIZE = 4 + 4 + 4 + 4 + 4 + 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    static int randomPsn() {
        return RANDOM.nextInt() & 0xffffff;
    }

    /** The ibv_rc_pingpong text, 52 bytes with the trailing NUL. */
    byte[] toWire() {
        String s = String.format("%04x:%06x:%06x:%s", lid & 0xffff, qpn & 0xffffff, psn & 0xffffff,
                HexFormat.of().formatHex(gid.toByteArray()));
        byte[] b = new byte[WIRE_SIZE];
        byte[] t = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, b, 0, Math.min(t.length, WIRE_SIZE - 1));
        return b;
    }

    static QpInfo fromWire(byte[] b, int offset) {
        String s = new String(b, offset, WIRE_SIZE, StandardCharsets.US_ASCII);
        int nul = s.indexOf('\0');
        if (nul >= 0) {
            s = s.substring(0, nul);
        }
        String[] f = s.split(":");
        if (f.length != 4 || f[3].length() != 32) {
            throw new ConnectionException("malformed QP address from the peer: '" + s + "'");
        }
        try {
            return new QpInfo(Integer.parseInt(f[0], 16), Integer.parseInt(f[1], 16), Integer.parseInt(f[2], 16),
                    Gid.of(HexFormat.of().parseHex(f[3])));
        } catch (IllegalArgumentException e) {
            throw new ConnectionException("malformed QP address from the peer: '" + s + "'", e);
        }
    }

    /** Binary form for rdma_cm private data (fits the 56 bytes of a connect request). */
    byte[] toPrivateData() {
        ByteBuffer b = ByteBuffer.allocate(PRIVATE_DATA_SIZE);
        b.putInt(MAGIC).putInt(VERSION).putInt(qpn).putInt(psn).putInt(lid).put(gid.toByteArray());
        return b.array();
    }

    static QpInfo fromPrivateData(byte[] data) {
        if (data.length < PRIVATE_DATA_SIZE) {
            throw new ConnectionException("the peer sent " + data.length + " bytes of private data, not an rdma4j peer");
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        int magic = b.getInt();
        int version = b.getInt();
        if (magic != MAGIC) {
            throw new ConnectionException("the peer is not an rdma4j verbs endpoint (private data magic 0x"
                    + Integer.toHexString(magic) + ")");
        }
        if (version != VERSION) {
            throw new ConnectionException("the peer speaks rdma4j verbs version " + version + ", this side " + VERSION);
        }
        int qpn = b.getInt();
        int psn = b.getInt();
        int lid = b.getInt();
        byte[] gid = new byte[16];
        b.get(gid);
        return new QpInfo(lid, qpn & 0xffffff, psn & 0xffffff, Gid.of(gid));
    }
}
