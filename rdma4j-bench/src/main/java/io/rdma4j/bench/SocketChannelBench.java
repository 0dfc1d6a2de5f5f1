package io.rdma4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The SocketChannel baseline in JMH form, the same shapes as {@link TcpVsSocketBench}: 64 KiB
 * blocking writes to a draining reader (bandwidth; the bytes are in the kernel's socket buffer
 * when a write returns, at most a few MB behind the reader), and an 8-byte blocking echo
 * (latency: one full round trip per operation). {@code scripts/bench-tcp} uses
 * {@link LoopbackPerf} instead, which also waits for the reader at the end.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class SocketChannelBench {

    /** 64 KiB one-way. */
    @State(Scope.Thread)
    public static class Bandwidth {
        SocketPair pair;
        final ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);

        @Setup(Level.Trial)
        public void setup() {
            pair = new SocketPair(SocketPair.Role.DRAIN, 64 * 1024);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            pair.close();
        }
    }

    /** 8-byte echo. */
    @State(Scope.Thread)
    public static class PingPong {
        SocketPair pair;
        final ByteBuffer buf = ByteBuffer.allocateDirect(8);

        @Setup(Level.Trial)
        public void setup() {
            pair = new SocketPair(SocketPair.Role.ECHO, 8);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            pair.close();
        }
    }

    @Benchmark
    public void write64k(Bandwidth s) throws IOException {
        s.buf.clear();
        SocketPair.writeFully(s.pair.client, s.buf);
    }

    @Benchmark
    public void echo8(PingPong s) throws IOException {
        s.buf.clear();
        SocketPair.writeFully(s.pair.client, s.buf);
        s.buf.clear();
        SocketPair.readFully(s.pair.client, s.buf);
    }
}
