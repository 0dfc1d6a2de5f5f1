package io.rdma4j.ffi;

/**
 * A control-path native call failed. Carries the C function's name and the {@code errno} it
 * left (or returned, for the verbs that return an errno value instead of setting it).
 *
 * <p>Message format: {@code ibv_open_device failed: ENODEV (19) No such device}, optionally
 * followed by what was being done.
 */
public final class NativeCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final int errno;

    /**
     * @param function the C function that failed
     * @param errno the error number, positive
     * @param detail what the call was for, or {@code null}
     */
    public NativeCallException(String function, int errno, String detail) {
        super(format(function, errno, detail));
        this.function = function;
        this.errno = errno;
    }

    private static String format(String function, int errno, String detail) {
        String text = function + " failed: " + Errno.name(errno) + " (" + errno + ") " + Errno.describe(errno);
        return detail == null ? text : text + " [" + detail + "]";
    }

    /** @return the C function that failed, e.g. {@code ibv_modify_qp} */
    public String function() {
        return function;
    }

    /** @return the error number, e.g. 22 */
    public int errno() {
        return errno;
    }

    /** @return the symbolic name of {@link #errno()}, e.g. {@code EINVAL} */
    public String errnoName() {
        return Errno.name(errno);
    }
}
