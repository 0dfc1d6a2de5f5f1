package io.rdma4j;

import io.rdma4j.spi.AccessFlags;

/** What a peer may do with granted memory. */
public enum Access {
    /** RDMA READ. */
    REMOTE_READ(AccessFlags.REMOTE_READ),
    /** RDMA WRITE (and WRITE with immediate). */
    REMOTE_WRITE(AccessFlags.REMOTE_WRITE),
    /** 64-bit atomics. */
    REMOTE_ATOMIC(AccessFlags.REMOTE_ATOMIC),
    /** READ and WRITE. */
    REMOTE_READ_WRITE(AccessFlags.REMOTE_READ | AccessFlags.REMOTE_WRITE),
    /** READ and atomics. */
    REMOTE_READ_ATOMIC(AccessFlags.REMOTE_READ | AccessFlags.REMOTE_ATOMIC),
    /** WRITE and atomics. */
    REMOTE_WRITE_ATOMIC(AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_ATOMIC),
    /** READ, WRITE and atomics. */
    REMOTE_ALL(AccessFlags.REMOTE_READ | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_ATOMIC);

    private final int bits;

    Access(int bits) {
        this.bits = bits;
    }

    /** The {@link AccessFlags} bits. */
    public int bits() {
        return bits;
    }

    /** Whether RDMA READ is allowed. */
    public boolean canRead() {
        return (bits & AccessFlags.REMOTE_READ) != 0;
    }

    /** Whether RDMA WRITE is allowed. */
    public boolean canWrite() {
        return (bits & AccessFlags.REMOTE_WRITE) != 0;
    }

    /** Whether atomics are allowed. */
    public boolean canAtomic() {
        return (bits & AccessFlags.REMOTE_ATOMIC) != 0;
    }

    /**
     * The access with these remote bits.
     *
     * @param bits {@link AccessFlags} remote bits
     * @return the access
     * @throws IllegalArgumentException when no remote access bit is set
     */
    public static Access fromBits(int bits) {
        int remote = bits & (AccessFlags.REMOTE_READ | AccessFlags.REMOTE_WRITE | AccessFlags.REMOTE_ATOMIC);
        for (Access a : values()) {
            if (a.bits == remote) {
                return a;
            }
        }
        throw new IllegalArgumentException("no remote access in bits 0x" + Integer.toHexString(bits));
    }
}
