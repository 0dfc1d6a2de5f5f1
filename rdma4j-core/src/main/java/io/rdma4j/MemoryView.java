package io.rdma4j;

import java.lang.foreign.MemorySegment;

/**
 * Direct access to a range of a {@link LocalMr} as a {@link MemorySegment}, for code that wants
 * FFM or a ByteBuffer. While the view is open the range counts as lent (a read view shared,
 * a write view exclusively), so the device cannot be given it in a conflicting way. The segment
 * stops working when the view is closed, and only the thread that opened the view may use it.
 */
public interface MemoryView extends AutoCloseable {

    /** The bytes; read-only for a read view; unusable after {@link #close}. */
    MemorySegment segment();

    /** Ends the view and its segment. */
    @Override
    void close();
}
