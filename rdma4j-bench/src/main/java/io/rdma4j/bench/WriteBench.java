package io.rdma4j.bench;

import io.rdma4j.Batch;
import io.rdma4j.Connection;
import io.rdma4j.LocalSlice;
import io.rdma4j.OperationHandler;
import io.rdma4j.PollMode;
import io.rdma4j.RdmaException;
import io.rdma4j.RemoteSlice;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of a post plus its completion, per operation, and what each allocates (run with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} is bytes per operation). Small WRITEs over the
 * tcp provider on loopback, a window of operations in flight, slices made once in setup (as a
 * user who cares would).
 *
 * <ul>
 *   <li>{@code asyncWindow}: {@code writeAsync}, futures kept in a ring and waited for when the
 *       window is full; allocates the future only (the target);</li>
 *   <li>{@code asyncCallback}: {@code writeAsync(..).whenComplete(cb)} with one shared callback
 *       and a counter for the window; {@code whenComplete} itself allocates a dependent future
 *       and a completion node;</li>
 *   <li>{@code handlerWindow}: {@code writeAsync(src, dst, attachment, handler)} with one shared
 *       {@link OperationHandler} and a counter for the window: the allocation-free form;</li>
 *   <li>{@code batch}: a new {@code connection.batch()} with {@code BATCH} writes and
 *       {@code submitAsync()} each time; per-op figures ({@code @OperationsPerInvocation});</li>
 *   <li>{@code batchReused}: the same, with batches made once, waited for with
 *       {@code Batch.await()} and resubmitted with {@code submitAsync(attachment, handler)}:
 *       the allocation-free form;</li>
 *   <li>{@code roundTrip}: one write, wait for its completion: the latency of write + ack.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class WriteBench {
    static final int WINDOW = 32;
    static final int BATCH = 16;

    @Param({"8", "64"})
    public int size;

    @Param({"ADAPTIVE"})
    public PollMode pollMode;

    private Loopback pair;
    private Connection conn;
    private LocalSlice src;
    private RemoteSlice dst;
    private final CompletableFuture<?>[] ring = new CompletableFuture<?>[WINDOW];
    private int next;
    private final CompletableFuture<?>[] batchRing = new CompletableFuture<?>[WINDOW / BATCH];
    private int nextBatch;
    private long posted;
    private final AtomicLong done = new AtomicLong();
    private final BiConsumer<Object, Throwable> callback = (v, e) -> {
        if (e != null) {
            failure = e;
        }
        done.incrementAndGet();
    };
    private volatile Throwable failure;
    private final OperationHandler<Object> handler = new OperationHandler<>() {
        @Override
        public void completed(long value, Object attachment) {
            done.incrementAndGet();
        }

        @Override
        public void failed(RdmaException error, Object attachment) {
            failure = error;
            done.incrementAndGet();
        }
    };
    private final Batch[] reused = new Batch[WINDOW / BATCH];

    @Setup(Level.Trial)
    public void setup() {
        pair = new Loopback("tcp", pollMode, 1 << 20);
        conn = pair.connection;
        src = pair.source.slice(0, size);
        dst = pair.remote.slice(0, size);
        for (int i = 0; i < reused.length; i++) {
            reused[i] = conn.batch();
            for (int k = 0; k < BATCH; k++) {
                reused[i].write(src, dst);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (CompletableFuture<?> f : ring) {
            if (f != null) {
                Loopback.await(f);
            }
        }
        for (CompletableFuture<?> f : batchRing) {
            if (f != null) {
                Loopback.await(f);
            }
        }
        for (Batch b : reused) {
            b.await();
        }
        while (done.get() < posted) {
            Thread.yield();
        }
        pair.close();
        if (failure != null) {
            throw new IllegalStateException("an operation failed", failure);
        }
    }

    @Benchmark
    public void asyncWindow() {
        int i = next;
        CompletableFuture<?> old = ring[i];
        if (old != null) {
            Loopback.await(old);
        }
        ring[i] = conn.writeAsync(src, dst);
        next = (i + 1) & (WINDOW - 1);
    }

    @Benchmark
    public void asyncCallback() {
        while (posted - done.get() >= WINDOW) {
            Thread.yield();
        }
        posted++;
        conn.writeAsync(src, dst).whenComplete(callback);
    }

    @Benchmark
    public void handlerWindow() {
        while (posted - done.get() >= WINDOW) {
            Thread.yield();
        }
        posted++;
        conn.writeAsync(src, dst, null, handler);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void batchReused() {
        // WINDOW / BATCH batches, each resubmitted once its last submission has finished
        int i = nextBatch;
        Batch b = reused[i];
        b.await();
        posted++;
        b.submitAsync(null, handler);
        nextBatch = (i + 1) % reused.length;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void batch() {
        // a batch is BATCH operations: keep WINDOW operations (WINDOW / BATCH batches) in flight
        int i = nextBatch;
        CompletableFuture<?> old = batchRing[i];
        if (old != null) {
            Loopback.await(old);
        }
        Batch b = conn.batch();
        for (int k = 0; k < BATCH; k++) {
            b.write(src, dst);
        }
        batchRing[i] = b.submitAsync();
        nextBatch = (i + 1) % batchRing.length;
    }

    @Benchmark
    public void roundTrip() {
        Loopback.await(conn.writeAsync(src, dst));
    }
}
