package io.rdma4j.bench;

import io.rdma4j.Batch;
import io.rdma4j.Connection;
import io.rdma4j.LocalSlice;
import io.rdma4j.OperationHandler;
import io.rdma4j.PollMode;
import io.rdma4j.RdmaException;
import io.rdma4j.RemoteSlice;
import java.util.concurrent.TimeUnit;
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
 * rdma4j's own cost per operation: the same calls as a user makes, over the benchmark-only
 * {@code instant} provider ({@link io.rdma4j.bench.instant.InstantProvider}), whose "NIC" does
 * each one-sided operation at post time and completes it at once. What is left is the safe
 * layer: checks, lends, slots, the future or handler, and the poll on the calling thread (the
 * instant queue, like a NIC's, lets callers poll). It is the part of a round trip that rdma4j
 * adds to the NIC's, so it is what to make small; compare with {@code VerbsCallBench.writePoll},
 * the raw verbs calls alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class CoreBench {
    static final int BATCH = 16;

    @Param({"ADAPTIVE"})
    public PollMode pollMode;

    private Loopback pair;
    private Connection conn;
    private LocalSlice src;
    private RemoteSlice dst;
    private RemoteSlice counter;
    private Batch batch;
    private long done;
    private final OperationHandler<Object> handler = new OperationHandler<>() {
        @Override
        public void completed(long value, Object attachment) {
            done++;
        }

        @Override
        public void failed(RdmaException error, Object attachment) {
            throw new IllegalStateException("an operation failed", error);
        }
    };

    @Setup(Level.Trial)
    public void setup() {
        pair = new Loopback("instant", pollMode, 1 << 16);
        conn = pair.connection;
        src = pair.source.slice(0, 8);
        dst = pair.remote.slice(0, 8);
        counter = pair.remote.slice(4096, 8);
        batch = conn.batch();
        for (int i = 0; i < BATCH; i++) {
            batch.write(src, dst);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batch.await();
        pair.close();
    }

    /** A blocking 8 B WRITE: post, poll its completion on this thread, return. */
    @Benchmark
    public void write() {
        conn.write(src, dst);
    }

    /** A blocking 8 B READ. */
    @Benchmark
    public void read() {
        conn.read(src, dst);
    }

    /** A blocking fetch-and-add, its old value returned. */
    @Benchmark
    public long fetchAndAdd() {
        return conn.fetchAndAdd(counter, 1);
    }

    /** writeAsync and Connection.await: the future form. */
    @Benchmark
    public void writeAsyncAwait() {
        conn.await(conn.writeAsync(src, dst));
    }

    /** A reused batch of 16 writes to a handler, waited for with Batch.await; per write. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void batchReused() {
        batch.submitAsync(null, handler);
        batch.await();
    }
}
