package io.rdma4j.bench;

import io.rdma4j.LocalMr;
import io.rdma4j.PollMode;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import io.rdma4j.spi.AccessFlags;
import io.rdma4j.spi.MemoryRegistration;
import io.rdma4j.spi.ProviderConfig;
import io.rdma4j.spi.ProviderDevice;
import io.rdma4j.spi.RdmaProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
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
 * Memory for an operation: {@code context.allocate(size)} + {@code close()} from the registered
 * pool, against registering a buffer per use with the provider ({@code ProviderDevice.register}
 * + close: {@code ibv_reg_mr}/{@code ibv_dereg_mr} on verbs, a key-table entry on tcp) and
 * against allocating native memory and registering it (what a pool-less library does per buffer).
 * The verbs figure needs a verbs device (the Soft-RoCE guest): run with {@code -p provider=verbs}
 * there.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "--enable-native-access=ALL-UNNAMED"})
public class PoolBench {

    @Param({"64", "4096", "65536"})
    public int size;

    @Param({"tcp"})
    public String provider;

    private RdmaContext context;
    private ProviderDevice device;
    private Arena arena;
    private MemorySegment buffer;

    @Setup(Level.Trial)
    public void setup() {
        context = Rdma.open(RdmaOptions.builder().provider(provider).pollMode(PollMode.EVENT).build());
        RdmaProvider p = ServiceLoader.load(RdmaProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.name().equals(provider)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no provider " + provider));
        device = p.open(new ProviderConfig(null, 1, -1, 7, Duration.ofMillis(1), 7, Duration.ofSeconds(4), Map.of()));
        arena = Arena.ofShared();
        buffer = arena.allocate(size, 4096);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        context.close();
        device.close();
        arena.close();
    }

    /** Pooled: a zeroed, registered region and back. */
    @Benchmark
    public long poolAllocateClose() {
        LocalMr mr = context.allocate(size);
        long s = mr.size();
        mr.close();
        return s;
    }

    /** Registering an existing buffer per use (ibv_reg_mr + ibv_dereg_mr on verbs). */
    @Benchmark
    public int registerDeregister() {
        MemoryRegistration r = device.register(buffer, AccessFlags.LOCAL_WRITE);
        int k = r.lkey();
        r.close();
        return k;
    }

    /** No pool at all: fresh native memory (zeroed, as allocate gives), registered, then freed. */
    @Benchmark
    public int allocateRegisterFree() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(size, 64);
            MemoryRegistration r = device.register(m, AccessFlags.LOCAL_WRITE);
            int k = r.lkey();
            r.close();
            return k;
        }
    }
}
