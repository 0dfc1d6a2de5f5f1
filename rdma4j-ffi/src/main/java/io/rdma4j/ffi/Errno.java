package io.rdma4j.ffi;

/**
 * Linux {@code errno} values the verbs provider tests for, and their names and texts.
 * The names and texts come from glibc ({@code strerrorname_np}, {@code strerror}), so every
 * errno, not only these, is named in {@link NativeCallException} messages.
 */
public final class Errno {
    private Errno() {}

    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** Input/output error. */
    public static final int EIO = 5;
    /** Resource temporarily unavailable (also EWOULDBLOCK): nothing to read on a non-blocking channel. */
    public static final int EAGAIN = 11;
    /** Cannot allocate memory; from {@code ibv_post_send}: the send queue is full. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** Device or resource busy: e.g. {@code ibv_dealloc_pd} with MRs still registered. */
    public static final int EBUSY = 16;
    /** File exists. */
    public static final int EEXIST = 17;
    /** No such device. */
    public static final int ENODEV = 19;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** No space left on device. */
    public static final int ENOSPC = 28;
    /** Function not implemented: {@code ibv_get_device_list} on a kernel without uverbs. */
    public static final int ENOSYS = 38;
    /** No data available: an empty GID table entry. */
    public static final int ENODATA = 61;
    /** Protocol error. */
    public static final int EPROTO = 71;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** Address already in use. */
    public static final int EADDRINUSE = 98;
    /** Cannot assign requested address. */
    public static final int EADDRNOTAVAIL = 99;
    /** Network is unreachable. */
    public static final int ENETUNREACH = 101;
    /** Connection reset by peer. */
    public static final int ECONNRESET = 104;
    /** Connection timed out. */
    public static final int ETIMEDOUT = 110;
    /** Connection refused. */
    public static final int ECONNREFUSED = 111;
    /** No route to host. */
    public static final int EHOSTUNREACH = 113;

    /**
     * @param errno an error number
     * @return its symbolic name ({@code "ENODEV"}), or {@code "errno 123"} if glibc does not know it
     */
    public static String name(int errno) {
        try {
            String name = Libc.strerrorName(errno);
            if (name != null) {
                return name;
            }
        } catch (RuntimeException | LinkageError e) {
            // no native access: fall through, an exception message must still be built
        }
        return "errno " + errno;
    }

    /**
     * @param errno an error number
     * @return {@code strerror(errno)}, or a placeholder if libc cannot be called
     */
    public static String describe(int errno) {
        try {
            return Libc.strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            return "(strerror unavailable: " + e.getMessage() + ")";
        }
    }
}
