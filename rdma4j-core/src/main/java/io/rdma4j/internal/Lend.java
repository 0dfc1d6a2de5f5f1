package io.rdma4j.internal;

/**
 * One range of a region lent to the device or to a view: shared (a WRITE/SEND source, a read
 * view) or exclusive (a READ/receive/atomic target, a write view). Reusable: an operation slot
 * owns one and lends it again for every operation, so lending allocates nothing. Guarded by the
 * lock of the {@link MrState} it is linked into.
 */
final class Lend {
    MrState owner;
    long offset;
    long length;
    boolean exclusive;
    Lend prev;
    Lend next;

    /** Whether {@code [off, off + len)} shares a byte with this lend; empty ranges share none. */
    boolean overlaps(long off, long len) {
        return length > 0 && len > 0 && off < offset + length && offset < off + len;
    }
}
