package io.rdma4j.ffi;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Waits for several descriptors at once with {@code poll(2)} over a preallocated
 * {@code struct pollfd} array: completion channels, CM event channels and an eventfd to wake
 * the waiter. Blocks the calling (platform) thread. Not thread-safe.
 */
public final class FdWaiter {
    private static final long SIZE = Layouts.POLLFD.byteSize();
    private static final long FD = Layouts.offset(Layouts.POLLFD, "fd");
    private static final long EVENTS = Layouts.offset(Layouts.POLLFD, "events");
    private static final long REVENTS = Layouts.offset(Layouts.POLLFD, "revents");

    private final MemorySegment fds;
    private final int count;

    /**
     * @param fds the descriptors to wait for readability on
     */
    public FdWaiter(int... fds) {
        this.count = fds.length;
        this.fds = Arena.ofAuto().allocate(SIZE * Math.max(1, count), 4);
        for (int i = 0; i < count; i++) {
            this.fds.set(JAVA_INT, i * SIZE + FD, fds[i]);
            this.fds.set(JAVA_SHORT, i * SIZE + EVENTS, Libc.POLLIN);
        }
    }

    /**
     * Waits until a descriptor is readable (or in error) or the timeout passes; EINTR counts as
     * a timeout.
     *
     * @param timeoutMillis -1 for no limit
     * @return how many descriptors are ready
     */
    public int await(int timeoutMillis) {
        for (int i = 0; i < count; i++) {
            fds.set(JAVA_SHORT, i * SIZE + REVENTS, (short) 0);
        }
        return Libc.poll(fds, count, timeoutMillis);
    }

    /**
     * @param i the descriptor's position in the constructor's list
     * @return whether the last {@link #await} found it readable, hung up or in error
     */
    public boolean ready(int i) {
        return fds.get(JAVA_SHORT, i * SIZE + REVENTS) != 0;
    }
}
