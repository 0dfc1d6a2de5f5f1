package io.rdma4j.tcp;

import java.nio.ByteBuffer;

/**
 * The wire format: every frame is a fixed 40-byte little-endian header, then {@code length}
 * payload bytes.
 *
 * <pre>
 * offset size field
 *  0     1    magic (high nibble 0xA) | version (low nibble, 1)
 *  1     1    opcode
 *  2     2    flags (only FLAG_IMMEDIATE, on SEND and WRITE)
 *  4     4    length: payload bytes after the header, bounded per opcode
 *  8     4    psn: a request's sequence number, or the request a response answers
 * 12     4    key: rkey (WRITE, READ, atomics), syndrome (NAK), reason (DISCONNECT)
 * 16     8    address: remote virtual address (WRITE, READ, atomics)
 * 24     8    operand: READ length, compare (CAS), addend (FADD), old value (ATOMIC_RESPONSE)
 * 32     8    operand2: swap (CAS), immediate in the low 32 bits (SEND/WRITE with FLAG_IMMEDIATE)
 * </pre>
 *
 * Requests (SEND, WRITE, READ_REQUEST, COMPARE_SWAP, FETCH_ADD) carry consecutive PSNs; the target
 * answers each in PSN order with ACK (cumulative), NAK, READ_RESPONSE or ATOMIC_RESPONSE.
 * CONTROL, KEEPALIVE and DISCONNECT are outside the PSN stream. HELLO and READY appear only in
 * the handshake.
 */
final class Frame {
    private Frame() {}

    static final int HEADER_SIZE = 40;
    static final int MAGIC = 0xA0;
    static final int VERSION = 1;
    static final byte MAGIC_VERSION = (byte) (MAGIC | VERSION);

    static final int OFF_MAGIC = 0;
    static final int OFF_OPCODE = 1;
    static final int OFF_FLAGS = 2;
    static final int OFF_LENGTH = 4;
    static final int OFF_PSN = 8;
    static final int OFF_KEY = 12;
    static final int OFF_ADDRESS = 16;
    static final int OFF_OPERAND = 24;
    static final int OFF_OPERAND2 = 32;

    // handshake
    static final int HELLO = 0x01;
    static final int READY = 0x02;
    // requests, in the PSN stream
    static final int SEND = 0x10;
    static final int WRITE = 0x11;
    static final int READ_REQUEST = 0x12;
    static final int COMPARE_SWAP = 0x13;
    static final int FETCH_ADD = 0x14;
    // responses, in the PSN order of the requests they answer
    static final int ACK = 0x20;
    static final int NAK = 0x21;
    static final int READ_RESPONSE = 0x22;
    static final int ATOMIC_RESPONSE = 0x23;
    // outside the PSN stream
    static final int CONTROL = 0x30;
    static final int KEEPALIVE = 0x31;
    static final int DISCONNECT = 0x32;

    /** SEND/WRITE carry an immediate (operand2) and consume a receive at the target. */
    static final int FLAG_IMMEDIATE = 1;

    // NAK syndromes
    static final int NAK_RNR = 1;
    static final int NAK_REMOTE_ACCESS = 2;
    static final int NAK_INVALID_REQUEST = 3;
    static final int NAK_REMOTE_OPERATION = 4;

    /**
     * Checks a header's fixed fields against the rules of its opcode. Never trusts the length:
     * each opcode has an exact size or a bound.
     *
     * @return null when valid, else what is wrong (for the one log line)
     */
    static String check(int magicVersion, int opcode, int flags, long length, long maxMessage, int maxControl) {
        if ((magicVersion & 0xFF) != (MAGIC_VERSION & 0xFF)) {
            return "bad magic/version byte 0x" + Integer.toHexString(magicVersion & 0xFF);
        }
        if ((flags & ~FLAG_IMMEDIATE) != 0 || (flags != 0 && opcode != SEND && opcode != WRITE)) {
            return "bad flags 0x" + Integer.toHexString(flags) + " for opcode 0x" + Integer.toHexString(opcode);
        }
        long bound = switch (opcode) {
            case SEND, WRITE, READ_RESPONSE -> maxMessage;
            case CONTROL -> maxControl;
            case READ_REQUEST, COMPARE_SWAP, FETCH_ADD, ACK, NAK, ATOMIC_RESPONSE, KEEPALIVE, DISCONNECT -> 0;
            case HELLO, READY -> -1; // handshake frames after the handshake
            default -> -2;
        };
        if (bound == -2) {
            return "unknown opcode 0x" + Integer.toHexString(opcode);
        }
        if (bound == -1) {
            return "handshake frame 0x" + Integer.toHexString(opcode) + " after the handshake";
        }
        if (length < 0 || length > bound) {
            return "length " + length + " out of bounds (max " + bound + ") for opcode 0x" + Integer.toHexString(opcode);
        }
        return null;
    }

    /** Writes one header at {@code at} of a little-endian buffer, without moving its position. */
    static void put(ByteBuffer b, int at, int opcode, int flags, int length, int psn, int key,
                    long address, long operand, long operand2) {
        b.put(at + OFF_MAGIC, MAGIC_VERSION);
        b.put(at + OFF_OPCODE, (byte) opcode);
        b.putShort(at + OFF_FLAGS, (short) flags);
        b.putInt(at + OFF_LENGTH, length);
        b.putInt(at + OFF_PSN, psn);
        b.putInt(at + OFF_KEY, key);
        b.putLong(at + OFF_ADDRESS, address);
        b.putLong(at + OFF_OPERAND, operand);
        b.putLong(at + OFF_OPERAND2, operand2);
    }

    static String opcodeName(int opcode) {
        return switch (opcode) {
            case HELLO -> "HELLO";
            case READY -> "READY";
            case SEND -> "SEND";
            case WRITE -> "WRITE";
            case READ_REQUEST -> "READ_REQUEST";
            case COMPARE_SWAP -> "COMPARE_SWAP";
            case FETCH_ADD -> "FETCH_ADD";
            case ACK -> "ACK";
            case NAK -> "NAK";
            case READ_RESPONSE -> "READ_RESPONSE";
            case ATOMIC_RESPONSE -> "ATOMIC_RESPONSE";
            case CONTROL -> "CONTROL";
            case KEEPALIVE -> "KEEPALIVE";
            case DISCONNECT -> "DISCONNECT";
            default -> "0x" + Integer.toHexString(opcode);
        };
    }
}
