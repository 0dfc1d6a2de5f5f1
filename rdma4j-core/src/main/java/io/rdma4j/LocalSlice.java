package io.rdma4j;

import java.util.Objects;

/**
 * A range of a {@link LocalMr}: what operations read from or write into. Cheap and immutable;
 * keep and reuse slices on hot paths.
 *
 * @param mr the region
 * @param offset the first byte, relative to the region
 * @param length bytes
 */
public record LocalSlice(LocalMr mr, long offset, long length) {
    /** Bounds-checked against the region. */
    public LocalSlice {
        Objects.requireNonNull(mr, "mr");
        Objects.checkFromIndexSize(offset, length, mr.size());
    }

    /**
     * A sub-range of this slice.
     *
     * @param offset relative to this slice
     * @param length bytes
     * @return the sub-slice
     */
    public LocalSlice slice(long offset, long length) {
        Objects.checkFromIndexSize(offset, length, this.length);
        return new LocalSlice(mr, this.offset + offset, length);
    }
}
