package io.rdma4j.internal;

import io.rdma4j.MemoryView;
import io.rdma4j.ffi.ScopedSegments;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A scoped view: a lend for its lifetime, and a segment bound to a confined arena that dies with
 * the view, so no segment outlives its permission.
 */
final class ViewImpl implements MemoryView {
    private final MrState state;
    private final Lend lend = new Lend();
    private final Arena scope;
    private final MemorySegment segment;

    ViewImpl(MrState state, long offset, long length, boolean readOnly) {
        this.state = state;
        state.lend(lend, offset, length, !readOnly, readOnly ? "a read view" : "a write view");
        state.context().pool().pin(); // the memory must outlive the view, even if the context closes first
        Arena a = Arena.ofConfined();
        MemorySegment s = ScopedSegments.bind(state.segment.asSlice(offset, length), a);
        this.scope = a;
        this.segment = readOnly ? s.asReadOnly() : s;
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public void close() {
        if (scope.scope().isAlive()) {
            scope.close();
            state.unlend(lend);
            state.context().pool().unpin();
        }
    }
}
