package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The few C library calls the binding needs: error texts, {@code poll} on completion-channel and
 * CM-event-channel descriptors, {@code fcntl(O_NONBLOCK)}, and an {@code eventfd} to wake a
 * waiting thread.
 *
 * <p>{@code poll} blocks the calling thread inside native code: on a virtual thread it pins the
 * carrier, so call it from platform threads (the completion engine's pollers).
 */
public final class Libc {
    private Libc() {}

    /** {@code POLLIN}: data to read. */
    public static final short POLLIN = 0x001;
    /** {@code POLLERR}. */
    public static final short POLLERR = 0x008;
    /** {@code POLLHUP}. */
    public static final short POLLHUP = 0x010;
    /** {@code POLLNVAL}: the descriptor is not open. */
    public static final short POLLNVAL = 0x020;
    /** {@code EFD_NONBLOCK} for {@link #eventfd}. */
    public static final int EFD_NONBLOCK = 0x800;
    /** {@code EFD_CLOEXEC} for {@link #eventfd}. */
    public static final int EFD_CLOEXEC = 0x80000;
    static final int F_GETFL = 3, F_SETFL = 4, O_NONBLOCK = 0x800;

    static final NativeLibrary LIBC = NativeLibrary.libc();

    /** Built on first use; libc is always there, so these never throw but for native access. */
    private static final class H {
        static final MethodHandle STRERROR =
                LIBC.downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT), false);
        static final MethodHandle STRERRORNAME_NP = LIBC.has("strerrorname_np")
                ? LIBC.downcall("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT), false)
                : null;
        static final MethodHandle POLL =
                LIBC.downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), true);
        // fcntl is variadic: its third argument must be passed the variadic way
        static final MethodHandle FCNTL = LIBC.downcall("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true,
                Linker.Option.firstVariadicArg(2));
        static final MethodHandle EVENTFD =
                LIBC.downcall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
        static final MethodHandle EVENTFD_WRITE =
                LIBC.downcall("eventfd_write", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), true);
        static final MethodHandle EVENTFD_READ =
                LIBC.downcall("eventfd_read", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), true);
        static final MethodHandle CLOSE =
                LIBC.downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), true);
        static final MethodHandle IF_INDEXTONAME =
                LIBC.downcall("if_indextoname", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS), true);
    }

    /**
     * {@code strerror(errnum)}.
     *
     * @param errnum an error number
     * @return its text, e.g. "No such device"
     */
    public static String strerror(int errnum) {
        try {
            MemorySegment text = (MemorySegment) H.STRERROR.invokeExact(errnum);
            return Native.string(text, 256);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@code strerrorname_np(errnum)} (glibc 2.32 and later).
     *
     * @param errnum an error number
     * @return its symbolic name, e.g. "ENODEV", or {@code null} if unknown or unsupported
     */
    public static String strerrorName(int errnum) {
        if (H.STRERRORNAME_NP == null) {
            return null;
        }
        try {
            MemorySegment text = (MemorySegment) H.STRERRORNAME_NP.invokeExact(errnum);
            return text.equals(MemorySegment.NULL) ? null : Native.string(text, 64);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@code poll(fds, nfds, timeout)} over an array of {@code struct pollfd} (see
     * {@link Layouts#POLLFD}, or use {@link FdWaiter}). An interrupted wait ({@code EINTR})
     * returns 0, as if it had timed out.
     *
     * @param fds {@code nfds} native {@code struct pollfd}
     * @param nfds how many
     * @param timeoutMillis -1 to wait for ever, 0 to return at once
     * @return the number of descriptors with events, 0 on timeout
     * @throws NativeCallException if poll fails other than with EINTR
     */
    public static int poll(MemorySegment fds, int nfds, int timeoutMillis) {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) H.POLL.invokeExact(s.capture, fds, (long) nfds, timeoutMillis);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (rc < 0) {
            if (s.errno() == Errno.EINTR) {
                return 0;
            }
            throw s.failure("poll", null);
        }
        return rc;
    }

    /**
     * Sets {@code O_NONBLOCK} on a descriptor, so that {@code ibv_get_cq_event} and
     * {@code rdma_get_cm_event} return EAGAIN instead of blocking; wait with {@link #poll}.
     *
     * @param fd an open descriptor
     * @throws NativeCallException if fcntl fails
     */
    public static void setNonBlocking(int fd) {
        CallScratch s = CallScratch.get();
        try {
            int flags = (int) H.FCNTL.invokeExact(s.capture, fd, F_GETFL, 0);
            if (flags < 0) {
                throw s.failure("fcntl", "F_GETFL fd " + fd);
            }
            if ((int) H.FCNTL.invokeExact(s.capture, fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                throw s.failure("fcntl", "F_SETFL O_NONBLOCK fd " + fd);
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * {@code eventfd(initval, flags)}.
     *
     * @param initialValue the counter's start value
     * @param flags {@link #EFD_NONBLOCK}, {@link #EFD_CLOEXEC}
     * @return the new descriptor
     * @throws NativeCallException if eventfd fails
     */
    public static int eventfd(int initialValue, int flags) {
        CallScratch s = CallScratch.get();
        int fd;
        try {
            fd = (int) H.EVENTFD.invokeExact(s.capture, initialValue, flags);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (fd < 0) {
            throw s.failure("eventfd", null);
        }
        return fd;
    }

    /**
     * Adds {@code value} to an eventfd's counter, making it readable.
     *
     * @param fd an eventfd
     * @param value what to add, positive
     * @throws NativeCallException if the write fails
     */
    public static void eventfdWrite(int fd, long value) {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) H.EVENTFD_WRITE.invokeExact(s.capture, fd, value);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (rc < 0) {
            throw s.failure("eventfd_write", "fd " + fd);
        }
    }

    /**
     * Reads and resets an eventfd's counter.
     *
     * @param fd a non-blocking eventfd
     * @return the counter, or 0 if it was zero (EAGAIN)
     * @throws NativeCallException if the read fails otherwise
     */
    public static long eventfdRead(int fd) {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) H.EVENTFD_READ.invokeExact(s.capture, fd, s.out);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (rc < 0) {
            if (s.errno() == Errno.EAGAIN) {
                return 0;
            }
            throw s.failure("eventfd_read", "fd " + fd);
        }
        return s.out.get(JAVA_LONG, 0);
    }

    /**
     * {@code close(fd)}.
     *
     * @param fd a descriptor this code opened
     * @throws NativeCallException if close fails
     */
    public static void close(int fd) {
        CallScratch s = CallScratch.get();
        int rc;
        try {
            rc = (int) H.CLOSE.invokeExact(s.capture, fd);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        if (rc < 0) {
            throw s.failure("close", "fd " + fd);
        }
    }

    /**
     * {@code if_indextoname}: the network interface behind a GID entry's {@code ndev_ifindex}.
     *
     * @param ifIndex an interface index
     * @return its name, e.g. "rdma0", or {@code null} if there is no such interface
     */
    public static String ifIndexToName(int ifIndex) {
        if (ifIndex <= 0) {
            return null;
        }
        CallScratch s = CallScratch.get();
        MemorySegment name;
        try {
            name = (MemorySegment) H.IF_INDEXTONAME.invokeExact(s.capture, ifIndex, s.out);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        return name.equals(MemorySegment.NULL) ? null : s.out.getString(0);
    }
}
