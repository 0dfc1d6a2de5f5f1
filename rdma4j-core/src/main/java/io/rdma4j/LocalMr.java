package io.rdma4j;

/**
 * Zeroed, registered local memory from a context's pool.
 *
 * <p>Ownership: a range handed to an operation is <em>lent</em> from post to completion. The
 * source of a WRITE or SEND is lent shared (reads allowed, writes refused); the target of a READ,
 * a receive or an atomic result is lent exclusively (no access). Conflicting access or a
 * conflicting lend fails at once with {@link MemoryInUseException}.
 *
 * <p>{@link #close} makes the handle unusable at once; the memory goes back to the pool only after
 * the last operation lending it has completed (or flushed), and after every grant of it is revoked.
 * All accessors use the platform's byte order, which is the order RDMA atomics use.
 */
public interface LocalMr extends AutoCloseable {

    /** Bytes in this region. */
    long size();

    /** The whole region as a slice. */
    LocalSlice slice();

    /**
     * A range of this region.
     *
     * @param offset first byte
     * @param length bytes
     * @return the slice
     */
    LocalSlice slice(long offset, long length);

    /**
     * Copies bytes in.
     *
     * @param offset where, in this region
     * @param src the bytes
     * @param srcOffset first byte of {@code src}
     * @param length how many
     * @throws MemoryInUseException when any of the range is lent
     */
    void put(long offset, byte[] src, int srcOffset, int length);

    /**
     * Copies all of {@code src} in.
     *
     * @param offset where, in this region
     * @param src the bytes
     */
    default void put(long offset, byte[] src) {
        put(offset, src, 0, src.length);
    }

    /**
     * Copies bytes out.
     *
     * @param offset where, in this region
     * @param dst where to
     * @param dstOffset first byte of {@code dst}
     * @param length how many
     * @throws MemoryInUseException when any of the range is lent exclusively
     */
    void get(long offset, byte[] dst, int dstOffset, int length);

    /**
     * Fills {@code dst} from {@code offset}.
     *
     * @param offset where, in this region
     * @param dst where to
     */
    default void get(long offset, byte[] dst) {
        get(offset, dst, 0, dst.length);
    }

    /**
     * Copies {@code length} bytes out into a new array.
     *
     * @param offset where, in this region
     * @param length how many
     * @return the bytes
     */
    default byte[] getBytes(long offset, int length) {
        byte[] b = new byte[length];
        get(offset, b, 0, length);
        return b;
    }

    /** @param offset where @param value the byte */
    void putByte(long offset, byte value);

    /** @param offset where @return the byte */
    byte getByte(long offset);

    /** @param offset where @param value the value, platform order */
    void putInt(long offset, int value);

    /** @param offset where @return the value, platform order */
    int getInt(long offset);

    /** @param offset where @param value the value, platform order */
    void putLong(long offset, long value);

    /** @param offset where @return the value, platform order */
    long getLong(long offset);

    /** @param offset where @param value the value, platform order */
    void putDouble(long offset, double value);

    /** @param offset where @return the value, platform order */
    double getDouble(long offset);

    /**
     * Sets a range to one byte value.
     *
     * @param offset first byte
     * @param length how many
     * @param value the byte
     */
    void fill(long offset, long length, byte value);

    /**
     * Opens a writable view of a range; the range is lent exclusively until the view is closed.
     *
     * @param offset first byte
     * @param length bytes
     * @return the view
     */
    MemoryView view(long offset, long length);

    /**
     * Opens a read-only view of a range; the range is lent shared until the view is closed.
     *
     * @param offset first byte
     * @param length bytes
     * @return the view
     */
    MemoryView readView(long offset, long length);

    /** Whether the handle is still usable. */
    boolean isOpen();

    /**
     * Gives the memory back once nothing lends it; revokes its grants first. Idempotent.
     *
     * @throws RdmaException when a grant of it could not be deregistered; the handle is closed
     *     anyway, its other grants are revoked, and this memory is never reused, since the peer
     *     may still reach it
     */
    @Override
    void close();
}
