package io.rdma4j.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Gives out segments whose lifetime is shorter than the memory behind them.
 *
 * <p>A view handed to user code must stop working when the view is closed, even though the
 * registered chunk it points into lives on. Only {@link MemorySegment#reinterpret(Arena,
 * java.util.function.Consumer)} can attach a shorter scope, and it is restricted; hence it lives here.
 */
public final class ScopedSegments {
    private ScopedSegments() {}

    /**
     * The same bytes as {@code segment}, valid only while {@code scope} is alive.
     *
     * @param segment memory that outlives {@code scope}
     * @param scope the arena whose closing ends the returned segment
     * @return a segment over the same address and size, bound to {@code scope}
     */
    public static MemorySegment bind(MemorySegment segment, Arena scope) {
        return segment.reinterpret(scope, null);
    }
}
