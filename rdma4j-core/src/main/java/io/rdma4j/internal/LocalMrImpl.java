package io.rdma4j.internal;

import io.rdma4j.LocalMr;
import io.rdma4j.LocalSlice;
import io.rdma4j.MemoryView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The handle users hold; everything lives in its {@link MrState}. Holds its context's handle,
 * so the context is not reported while one of its regions is in use.
 */
final class LocalMrImpl implements LocalMr {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    final MrState state;
    private final LocalSlice whole;
    /** Only to keep the context's handle reachable while this one is. */
    private final ContextImpl context;

    LocalMrImpl(ContextImpl context, MrState state) {
        this.context = context;
        this.state = state;
        this.whole = new LocalSlice(this, 0, state.size);
    }

    @Override
    public long size() {
        return state.size;
    }

    @Override
    public LocalSlice slice() {
        return whole;
    }

    @Override
    public LocalSlice slice(long offset, long length) {
        return new LocalSlice(this, offset, length);
    }

    private void check(long offset, long length) {
        Objects.checkFromIndexSize(offset, length, state.size);
    }

    /**
     * Every check of a CPU access, in one place: bounds first, then open and no conflicting lend.
     * The caller holds {@code state}'s lock and keeps it for the access, so that no lend or close
     * can come between the check and the access.
     *
     * @return the segment to access at {@code offset}
     */
    private MemorySegment cpuAccess(long offset, long length, boolean write) {
        check(offset, length);
        state.checkCpuAccess(offset, length, write);
        return state.segment;
    }

    @Override
    public void put(long offset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        synchronized (state) {
            MemorySegment dst = cpuAccess(offset, length, true);
            MemorySegment.copy(src, srcOffset, dst, ValueLayout.JAVA_BYTE, offset, length);
        }
    }

    @Override
    public void get(long offset, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        synchronized (state) {
            MemorySegment src = cpuAccess(offset, length, false);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, offset, dst, dstOffset, length);
        }
    }

    @Override
    public void putByte(long offset, byte value) {
        synchronized (state) {
            cpuAccess(offset, 1, true).set(ValueLayout.JAVA_BYTE, offset, value);
        }
    }

    @Override
    public byte getByte(long offset) {
        synchronized (state) {
            return cpuAccess(offset, 1, false).get(ValueLayout.JAVA_BYTE, offset);
        }
    }

    @Override
    public void putInt(long offset, int value) {
        synchronized (state) {
            cpuAccess(offset, 4, true).set(INT, offset, value);
        }
    }

    @Override
    public int getInt(long offset) {
        synchronized (state) {
            return cpuAccess(offset, 4, false).get(INT, offset);
        }
    }

    @Override
    public void putLong(long offset, long value) {
        synchronized (state) {
            cpuAccess(offset, 8, true).set(LONG, offset, value);
        }
    }

    @Override
    public long getLong(long offset) {
        synchronized (state) {
            return cpuAccess(offset, 8, false).get(LONG, offset);
        }
    }

    @Override
    public void putDouble(long offset, double value) {
        synchronized (state) {
            cpuAccess(offset, 8, true).set(DOUBLE, offset, value);
        }
    }

    @Override
    public double getDouble(long offset) {
        synchronized (state) {
            return cpuAccess(offset, 8, false).get(DOUBLE, offset);
        }
    }

    @Override
    public void fill(long offset, long length, byte value) {
        synchronized (state) {
            cpuAccess(offset, length, true).asSlice(offset, length).fill(value);
        }
    }

    @Override
    public MemoryView view(long offset, long length) {
        check(offset, length);
        return new ViewImpl(state, offset, length, false);
    }

    @Override
    public MemoryView readView(long offset, long length) {
        check(offset, length);
        return new ViewImpl(state, offset, length, true);
    }

    @Override
    public boolean isOpen() {
        return state.isOpen();
    }

    @Override
    public void close() {
        state.close();
    }

    @Override
    public String toString() {
        return "LocalMr[" + state.size + " bytes at 0x" + Long.toHexString(state.segment.address())
                + (state.isOpen() ? "" : ", closed") + "]";
    }
}
