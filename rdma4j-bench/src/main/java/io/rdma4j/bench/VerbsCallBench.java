package io.rdma4j.bench;

import io.rdma4j.ffi.DeviceList;
import io.rdma4j.ffi.Ibv;
import io.rdma4j.ffi.IbvContext;
import io.rdma4j.ffi.IbvCq;
import io.rdma4j.ffi.IbvMr;
import io.rdma4j.ffi.IbvPd;
import io.rdma4j.ffi.IbvQp;
import io.rdma4j.ffi.QpInitAttr;
import io.rdma4j.ffi.SendWr;
import io.rdma4j.ffi.Verbs;
import io.rdma4j.ffi.WorkCompletion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * {@code Linker.Option.critical(false)} against a plain downcall on the two data-path verbs, on a
 * real device (Soft-RoCE in the guest: {@code scripts/bench-verbs-jmh}). Uses the ffi layer
 * directly ({@link IbvCq#poll} / {@link IbvCq#pollCritical}, {@link IbvQp#postSend} /
 * {@link IbvQp#postSendCritical}), the same calls the verbs provider makes, without the core's
 * poller and futures around them:
 *
 * <ul>
 *   <li>{@code pollEmpty}: {@code ibv_poll_cq} of up to 64 entries (the provider's batch) on a CQ
 *       that never gets a completion;</li>
 *   <li>{@code writePoll}: one signalled 8-byte RDMA WRITE from one RC QP to another on the same
 *       device (connected to each other by hand), then {@code ibv_poll_cq} until its completion.</li>
 * </ul>
 *
 * {@code critical} picks the variant; both run the same branch on it. The bench module runs on the
 * class path, so the ffi package (exported only to rdma4j's modules when on the module path) is
 * reachable here without an export. Needs a device: on a machine without one every benchmark
 * fails in setup, and {@code BenchSmokeTest} leaves this class out ({@link #deviceAvailable()}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "--enable-native-access=ALL-UNNAMED"})
public class VerbsCallBench {
    private static final int BATCH = 64;
    private static final int SIZE = 8;
    private static final long STUCK_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Param({"false", "true"})
    public boolean critical;

    /** The device; empty for the first one there is (the guest sets RDMA4J_SOFTROCE_DEVICE=rxe0). */
    @Param({""})
    public String device;

    private Arena arena;
    private IbvContext context;
    private IbvPd pd;
    private IbvCq emptyCq;
    private IbvCq sendCq;
    private IbvCq peerCq;
    private IbvQp qp;
    private IbvQp peer;
    private IbvMr mr;
    private WorkCompletion wc;
    private SendWr wr;

    /**
     * @return whether libibverbs loads and lists at least one device (false on the build machine)
     */
    public static boolean deviceAvailable() {
        if (!Verbs.isAvailable()) {
            return false;
        }
        try (DeviceList list = Verbs.getDeviceList()) {
            return list.size() > 0;
        } catch (RuntimeException e) {
            return false; // e.g. ENOSYS: no uverbs in this kernel
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        Verbs.ensureAvailable();
        String name = !device.isEmpty() ? device : System.getenv().getOrDefault("RDMA4J_SOFTROCE_DEVICE", "");
        if (name.isEmpty()) {
            if (!deviceAvailable()) {
                throw new IllegalStateException("no RDMA device here: run in the Soft-RoCE guest (scripts/bench-verbs-jmh)");
            }
            try (DeviceList list = Verbs.getDeviceList()) {
                name = list.name(0);
            }
        }
        arena = Arena.ofShared();
        context = Verbs.openDevice(name);
        pd = context.allocPd();
        emptyCq = context.createCq(BATCH, 0, null, 0);
        sendCq = context.createCq(BATCH, 0, null, 0);
        peerCq = context.createCq(BATCH, 0, null, 0);
        qp = pd.createQp(QpInitAttr.allocate(arena).rc(sendCq, sendCq, 16, 1, 1));
        peer = pd.createQp(QpInitAttr.allocate(arena).rc(peerCq, peerCq, 1, 16, 1));
        MemorySegment buffer = arena.allocate(4096, 4096);
        mr = pd.regMr(buffer, Ibv.IBV_ACCESS_LOCAL_WRITE | Ibv.IBV_ACCESS_REMOTE_WRITE);
        int access = Ibv.IBV_ACCESS_LOCAL_WRITE | Ibv.IBV_ACCESS_REMOTE_WRITE;
        LoopbackQps.connect(context, arena, qp, peer, access);
        LoopbackQps.connect(context, arena, peer, qp, access);
        wc = WorkCompletion.allocate(arena, BATCH);
        wr = SendWr.allocate(arena, 1, 1);
        wr.at(0).reset(1, Ibv.IBV_WR_RDMA_WRITE, Ibv.IBV_SEND_SIGNALED)
                .sge(0, buffer.address(), SIZE, mr.lkey())
                .rdma(buffer.address() + 2048, mr.rkey());
        wr.chain(0, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (AutoCloseable c : new AutoCloseable[] {qp, peer, mr, sendCq, peerCq, emptyCq, pd, context}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
        if (arena != null) {
            arena.close();
        }
    }

    /** {@code ibv_poll_cq} on a CQ with nothing in it. */
    @Benchmark
    public int pollEmpty() {
        return critical ? emptyCq.pollCritical(wc, BATCH) : emptyCq.poll(wc, BATCH);
    }

    /** One signalled 8-byte RDMA WRITE to the other QP, polled until it completes. */
    @Benchmark
    public int writePoll() {
        int rc = critical ? qp.postSendCritical(wr) : qp.postSend(wr);
        if (rc != 0) {
            throw new IllegalStateException("ibv_post_send: errno " + rc);
        }
        long start = 0;
        int spins = 0;
        int n;
        while ((n = critical ? sendCq.pollCritical(wc, BATCH) : sendCq.poll(wc, BATCH)) == 0) {
            if ((++spins & 0xfff) == 0) {
                long now = System.nanoTime();
                if (start == 0) {
                    start = now;
                } else if (now - start > STUCK_NANOS) {
                    throw new IllegalStateException("no completion for 10 s");
                }
            }
        }
        if (n < 0 || wc.status(0) != Ibv.IBV_WC_SUCCESS) {
            throw new IllegalStateException("poll " + n + ", status " + (n > 0 ? Verbs.wcStatusStr(wc.status(0)) : "-"));
        }
        return n;
    }
}
