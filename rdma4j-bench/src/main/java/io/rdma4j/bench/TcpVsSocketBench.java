package io.rdma4j.bench;

import io.rdma4j.Connection;
import io.rdma4j.LocalSlice;
import io.rdma4j.PollMode;
import io.rdma4j.RemoteSlice;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * rdma4j over the tcp provider in the shapes of {@link SocketChannelBench}: 64 KiB WRITEs with
 * {@code window} in flight (time per operation; MB/s = 65536 / 2^20 / time), and one 8-byte
 * WRITE waited for (write + ack: a full round trip, like the echo).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class TcpVsSocketBench {

    @Param({"16"})
    public int window;

    @Param({"ADAPTIVE"})
    public PollMode pollMode;

    private Loopback pair;
    private Connection conn;
    private LocalSlice big;
    private RemoteSlice bigRemote;
    private LocalSlice small;
    private RemoteSlice smallRemote;
    private CompletableFuture<?>[] ring;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        pair = new Loopback("tcp", pollMode, 1 << 20);
        conn = pair.connection;
        big = pair.source.slice(0, 64 * 1024);
        bigRemote = pair.remote.slice(0, 64 * 1024);
        small = pair.source.slice(0, 8);
        smallRemote = pair.remote.slice(0, 8);
        ring = new CompletableFuture<?>[window];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (CompletableFuture<?> f : ring) {
            if (f != null) {
                Loopback.await(f);
            }
        }
        pair.close();
    }

    @Benchmark
    public void write64k() {
        int i = next;
        CompletableFuture<?> old = ring[i];
        if (old != null) {
            Loopback.await(old);
        }
        ring[i] = conn.writeAsync(big, bigRemote);
        next = i + 1 == ring.length ? 0 : i + 1;
    }

    @Benchmark
    public void write8RoundTrip() {
        Loopback.await(conn.writeAsync(small, smallRemote));
    }
}
