package io.rdma4j.spi;

/** Access bits of a registration, with the values of {@code enum ibv_access_flags}. */
public final class AccessFlags {
    private AccessFlags() {}

    /** {@code IBV_ACCESS_LOCAL_WRITE}: the NIC may write (READ targets, receives, atomic results). */
    public static final int LOCAL_WRITE = 1;
    /** {@code IBV_ACCESS_REMOTE_WRITE}. */
    public static final int REMOTE_WRITE = 1 << 1;
    /** {@code IBV_ACCESS_REMOTE_READ}. */
    public static final int REMOTE_READ = 1 << 2;
    /** {@code IBV_ACCESS_REMOTE_ATOMIC}. */
    public static final int REMOTE_ATOMIC = 1 << 3;
}
