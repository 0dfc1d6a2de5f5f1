package io.rdma4j.internal;

import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Registered memory served from large chunks, because registering per allocation is far too
 * slow. Each chunk is registered once and split by a buddy allocator: blocks are powers of two
 * from {@link #MIN_BLOCK} to the chunk size, naturally aligned, merged with their buddy when
 * freed, so fragmentation stays bounded. Larger requests get a dedicated registration. Memory is
 * zeroed when it comes back, so an allocation is only free-list work. Thread-safe.
 */
final class MemoryPool implements AutoCloseable {
    /** The smallest block; smaller requests round up to it. */
    static final int MIN_BLOCK = 256;
    private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_BLOCK);

    private final ProviderDevice device;
    private final long chunkSize;
    private final int orders;
    private final Arena arena = Arena.ofShared();
    private final List<Chunk> chunks = new ArrayList<>();
    /** Dedicated blocks still out: the pool frees them if it closes first. */
    private final java.util.Set<Block> dedicated = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private long bytesInUse;
    private long dedicatedBytes;
    private boolean closed;
    /** Open views into this pool's memory: while any is open, closing defers freeing the memory. */
    private int pins;
    /** After a close deferred by pins: what the last unpin frees. */
    private List<Arena> deferredArenas;
    private long deferredBytes;

    MemoryPool(ProviderDevice device, long chunkSize) {
        this.device = device;
        this.chunkSize = chunkSize;
        this.orders = Long.numberOfTrailingZeros(chunkSize) - MIN_SHIFT + 1;
    }

    /** A block of pool memory: where it is and how to give it back. */
    record Block(MemorySegment segment, MemoryRegistration registration, Chunk chunk, int index, int order,
                 Arena dedicatedArena) {
        int lkey() {
            return registration.lkey();
        }
    }

    /**
     * Allocates zeroed registered memory.
     *
     * @param size bytes, > 0
     * @param alignment power of two <= 4096
     * @return the block, whose segment is exactly {@code size} bytes
     */
    Block allocate(long size, long alignment) {
        long need = Math.max(size, alignment);
        if (need > chunkSize) {
            return allocateDedicated(size);
        }
        int order = Math.max(0, 64 - Long.numberOfLeadingZeros(need - 1) - MIN_SHIFT);
        synchronized (this) {
            checkOpen();
            for (Chunk c : chunks) {
                int index = c.take(order);
                if (index >= 0) {
                    bytesInUse += (long) MIN_BLOCK << order;
                    return new Block(c.segment.asSlice((long) index << MIN_SHIFT, size), c.registration, c, index, order, null);
                }
            }
            Chunk c = newChunk();
            int index = c.take(order);
            bytesInUse += (long) MIN_BLOCK << order;
            return new Block(c.segment.asSlice((long) index << MIN_SHIFT, size), c.registration, c, index, order, null);
        }
    }

    private Block allocateDedicated(long size) {
        long rounded = pageRounded(size);
        Arena own = Arena.ofShared();
        try {
            MemorySegment seg = own.allocate(rounded, 4096);
            MemoryRegistration reg = device.register(seg, AccessFlags.LOCAL_WRITE);
            Block b = new Block(seg.asSlice(0, size), reg, null, -1, -1, own);
            synchronized (this) {
                checkOpen();
                dedicatedBytes += rounded;
                dedicated.add(b);
            }
            return b;
        } catch (RuntimeException | Error e) {
            own.close();
            throw e;
        }
    }

    /**
     * Gives a block back, zeroed.
     *
     * @param block from {@link #allocate}
     */
    void free(Block block) {
        if (block.chunk == null) {
            long bytes = pageRounded(block.segment.byteSize());
            synchronized (this) {
                if (!dedicated.remove(block)) {
                    return; // the pool closed and freed it already
                }
                dedicatedBytes -= bytes;
            }
            block.registration.close();
            block.dedicatedArena.close();
            return;
        }
        long blockBytes = (long) MIN_BLOCK << block.order;
        synchronized (this) {
            if (closed) {
                return; // the chunks are gone with the pool
            }
            block.chunk.segment.asSlice((long) block.index << MIN_SHIFT, blockBytes).fill((byte) 0);
            block.chunk.give(block.index, block.order);
            bytesInUse -= blockBytes;
        }
    }

    private Chunk newChunk() {
        MemorySegment seg = arena.allocate(chunkSize, 4096);
        MemoryRegistration reg = device.register(seg, AccessFlags.LOCAL_WRITE);
        Chunk c = new Chunk(seg, reg, orders);
        chunks.add(c);
        return c;
    }

    private void checkOpen() {
        if (closed) {
            throw new io.rdma4j.ResourceClosedException("the context's memory pool is closed");
        }
    }

    /**
     * Bytes handed out from chunks (rounded to blocks) plus dedicated allocations; once closed,
     * what is still allocated because open views defer the free, else 0.
     */
    synchronized long bytesInUse() {
        return closed ? deferredBytes : bytesInUse + dedicatedBytes;
    }

    /** An open view points into pool memory: a close of the pool must not free it until {@link #unpin}. */
    synchronized void pin() {
        pins++;
    }

    /** A view closed; the last one frees the memory of a pool closed meanwhile. */
    void unpin() {
        List<Arena> free;
        synchronized (this) {
            if (--pins > 0 || deferredArenas == null) {
                return;
            }
            free = deferredArenas;
            deferredArenas = null;
            deferredBytes = 0;
        }
        free.forEach(Arena::close);
    }

    /** Registered chunk count. */
    synchronized int chunkCount() {
        return chunks.size();
    }

    /**
     * Deregisters and frees every chunk and every dedicated block still out; those blocks become
     * invalid. While views are open the memory stays allocated (not registered) until the last
     * one closes, so no view's segment ever points at freed memory.
     *
     * <p>Every registration is deregistered even when one fails; the first failure is thrown at
     * the end. Memory whose deregistration failed may still be reached by the device, so it is
     * never freed: a dedicated block's own memory, or all chunks' (they share one arena).
     */
    @Override
    public void close() {
        List<Block> out;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            out = List.copyOf(dedicated);
            dedicated.clear();
            if (pins > 0) { // still allocated for the open views while the deregistrations run
                deferredBytes = (long) chunks.size() * chunkSize + dedicatedBytes;
            }
            bytesInUse = 0;
            dedicatedBytes = 0;
        }
        FirstFailure failure = new FirstFailure();
        List<Arena> free = new ArrayList<>();
        long freeBytes = 0;
        boolean chunksDeregistered = true;
        for (Chunk c : chunks) {
            chunksDeregistered &= failure.run(c.registration::close);
        }
        if (chunksDeregistered) {
            free.add(arena);
            freeBytes += (long) chunks.size() * chunkSize;
        }
        for (Block b : out) {
            if (failure.run(b.registration::close)) {
                free.add(b.dedicatedArena);
                freeBytes += pageRounded(b.segment.byteSize());
            }
        }
        synchronized (this) {
            if (pins > 0) { // the last unpin frees it
                deferredArenas = free;
                deferredBytes = freeBytes;
                free = List.of();
            } else {
                deferredBytes = 0;
            }
        }
        free.forEach(Arena::close);
        failure.throwIfAny();
    }

    /** The bytes a dedicated block of {@code size} takes: whole pages. */
    private static long pageRounded(long size) {
        return (size + 4095) & ~4095L;
    }

    /** One registered chunk and its buddy free lists (intrusive, indexed by min-block number). */
    static final class Chunk {
        final MemorySegment segment;
        final MemoryRegistration registration;
        private final int[] head;
        private final int[] next;
        private final int[] prev;
        /** order + 1 when a free block starts at this min-block, else 0. */
        private final byte[] freeOrder;

        Chunk(MemorySegment segment, MemoryRegistration registration, int orders) {
            this.segment = segment;
            this.registration = registration;
            int blocks = 1 << (orders - 1);
            head = new int[orders];
            Arrays.fill(head, -1);
            next = new int[blocks];
            prev = new int[blocks];
            freeOrder = new byte[blocks];
            push(0, orders - 1);
        }

        int take(int order) {
            int o = order;
            while (o < head.length && head[o] < 0) {
                o++;
            }
            if (o == head.length) {
                return -1;
            }
            int index = head[o];
            remove(index, o);
            while (o > order) {
                o--;
                push(index + (1 << o), o);
            }
            return index;
        }

        void give(int index, int order) {
            while (order < head.length - 1) {
                int buddy = index ^ (1 << order);
                if (freeOrder[buddy] != order + 1) {
                    break;
                }
                remove(buddy, order);
                index = Math.min(index, buddy);
                order++;
            }
            push(index, order);
        }

        private void push(int index, int order) {
            int h = head[order];
            next[index] = h;
            prev[index] = -1;
            if (h >= 0) {
                prev[h] = index;
            }
            head[order] = index;
            freeOrder[index] = (byte) (order + 1);
        }

        private void remove(int index, int order) {
            int n = next[index];
            int p = prev[index];
            if (p >= 0) {
                next[p] = n;
            } else {
                head[order] = n;
            }
            if (n >= 0) {
                prev[n] = p;
            }
            freeOrder[index] = 0;
        }
    }
}
