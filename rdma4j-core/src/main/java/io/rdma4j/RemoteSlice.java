package io.rdma4j;

import java.util.Objects;

/**
 * A range of a peer's granted memory: the target of WRITE, READ and atomics.
 *
 * @param mr the grant as the holder sees it
 * @param offset the first byte, relative to the grant
 * @param length bytes
 */
public record RemoteSlice(RemoteMr mr, long offset, long length) {
    /** Bounds-checked against the grant. */
    public RemoteSlice {
        Objects.requireNonNull(mr, "mr");
        Objects.checkFromIndexSize(offset, length, mr.length());
    }

    /** The remote virtual address of the first byte. */
    public long address() {
        return mr.address() + offset;
    }

    /**
     * A sub-range of this slice.
     *
     * @param offset relative to this slice
     * @param length bytes
     * @return the sub-slice
     */
    public RemoteSlice slice(long offset, long length) {
        Objects.checkFromIndexSize(offset, length, this.length);
        return new RemoteSlice(mr, this.offset + offset, length);
    }
}
