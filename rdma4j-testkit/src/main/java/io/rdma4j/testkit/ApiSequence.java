package io.rdma4j.testkit;

import io.rdma4j.Access;
import io.rdma4j.Batch;
import io.rdma4j.Connection;
import io.rdma4j.Grant;
import io.rdma4j.LocalMr;
import io.rdma4j.LocalSlice;
import io.rdma4j.MemoryInUseException;
import io.rdma4j.MemoryView;
import io.rdma4j.OperationTimeoutException;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaException;
import io.rdma4j.Received;
import io.rdma4j.RemoteAccessException;
import io.rdma4j.RemoteMr;
import io.rdma4j.RemoteSlice;
import io.rdma4j.ResourceClosedException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One fuzzer input: a sequence of public calls on a connected pair of contexts (side 0 connects
 * to side 1's listener), against a shadow model.
 *
 * <p>The model keeps a byte array (and which bytes it knows) for every region, and every posted
 * operation until its future is harvested. Effects apply at harvest, in post order per ordering
 * domain (a side's send queue, a side's receive queue), which is completion order under RC.
 * Operations of different domains, or a CPU access racing a pending operation, on overlapping
 * bytes make those bytes unknown rather than guessing the order. After every step:
 * <ul>
 *   <li>every exception is documented: the io.rdma4j hierarchy, or IllegalArgumentException,
 *       IndexOutOfBoundsException, IllegalStateException (from rdma4j itself) for bad arguments;</li>
 *   <li>every known byte of every open region equals the model, and a MemoryInUseException only
 *       comes where the model has a lend;</li>
 *   <li>nothing succeeds that must not: an operation on a grant revoked, released or closed
 *       before it was posted, or needing access the grant lacks, or from a closed region;</li>
 *   <li>atomics return the model's old value; receives get the next message the peer sent, in
 *       order, with its length, immediate and bytes.</li>
 * </ul>
 * At the end every connection is closed, every future must complete within a bound, and both
 * contexts must be back to no regions and no pool bytes in use, with no leak reported.
 *
 * <p>Provider-neutral: {@link ApiSequenceRunner} gives it the contexts (any provider's options)
 * and the patience its waits use.
 */
final class ApiSequence {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final int MAX_STEPS = 64;
    private static final int MAX_REGIONS = 8;
    private static final int SQ = 0;      // domain: side's send queue (+ side)
    private static final int RQ = 2;      // domain: side's receive queue (+ side)
    private static final int CTL = 4;     // domain: side's acceptGrant futures (+ side)
    private static final int REQ = 6;     // domain: side's requestRemote futures (+ side)
    private static final Duration[] LEASES = {Duration.ofMillis(2), Duration.ofMillis(30), Duration.ofMillis(300),
        Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60)};
    private static final Access[] ACCESS = Access.values();

    private final FuzzInput in;
    private final ApiSequenceRunner runner;
    private final long patienceNanos;
    private final RdmaContext[] ctx = new RdmaContext[2];
    private final Connection[] conn = new Connection[2];
    private final boolean[] contextClosedHere = new boolean[2];
    private final List<Region> regions = new ArrayList<>();
    private final List<GrantM> grants = new ArrayList<>();
    private final List<Op> pending = new ArrayList<>();
    private final List<ViewM> views = new ArrayList<>();
    private final List<ArrayDeque<Msg>> unmatched = List.of(new ArrayDeque<>(), new ArrayDeque<>());
    private final int[] grantsToClaim = new int[2];
    private final ArrayDeque<String> log = new ArrayDeque<>();
    private int step;
    private int nextRegionId;

    ApiSequence(FuzzInput in, ApiSequenceRunner runner) {
        this.in = in;
        this.runner = runner;
        this.patienceNanos = runner.patience().toNanos();
    }

    // ================================================================== model

    private static final class Region {
        final int id;
        final int side;
        final LocalMr mr; // null: memory the peer allocated for a request, seen only through its grant
        final byte[] data;
        final boolean[] known;
        boolean closed;

        Region(int id, int side, LocalMr mr, int size) {
            this.id = id;
            this.side = side;
            this.mr = mr;
            this.data = new byte[size];
            this.known = new boolean[size];
            Arrays.fill(known, true); // allocations are zeroed
        }

        @Override
        public String toString() {
            return "region#" + id + (side == 0 ? "A" : "B") + "[" + data.length + (mr == null ? ", hidden" : "") + "]";
        }
    }

    private record Rng(Region r, long off, long len) {
        boolean overlaps(Rng o) {
            return r == o.r && len > 0 && o.len > 0 && off < o.off + o.len && o.off < off + len;
        }
    }

    private static final class GrantM {
        final int granter;
        final Region region;
        final long regionOff;
        final long length;
        final Access access;
        final long granterDeadline; // a lower bound of the granter's own deadline
        Grant grant;                // null for a grant made on request (the peer holds it)
        RemoteMr remote;            // the holder's capability, once claimed
        long deadAt = Long.MAX_VALUE; // revoked, released, region or connection closed

        GrantM(int granter, Region region, long regionOff, long length, Access access, long granterDeadline) {
            this.granter = granter;
            this.region = region;
            this.regionOff = regionOff;
            this.length = length;
            this.access = access;
            this.granterDeadline = granterDeadline;
        }

        boolean dead() {
            return deadAt != Long.MAX_VALUE;
        }

        void kill() {
            if (deadAt == Long.MAX_VALUE) {
                deadAt = System.nanoTime();
            }
        }
    }

    private static final class Msg {
        final int length;
        final byte[] data;
        final boolean[] known;
        final boolean hasImm;
        final int imm;
        final boolean byWrite;
        final Op op;

        Msg(int length, byte[] data, boolean[] known, boolean hasImm, int imm, boolean byWrite, Op op) {
            this.length = length;
            this.data = data;
            this.known = known;
            this.hasImm = hasImm;
            this.imm = imm;
            this.byWrite = byWrite;
            this.op = op;
        }
    }

    @FunctionalInterface
    private interface Effect {
        void apply(Object result);
    }

    /** A grant an operation uses, the access it needs ('r', 'w', 'i' or 'a') and the bytes it moves there. */
    private record Target(GrantM grant, char need, long bytes) {}

    private final class Op {
        final String name;
        final int domain;
        final int step = ApiSequence.this.step;
        final long postNanos = System.nanoTime();
        final List<Rng> src = new ArrayList<>(2);
        final List<Rng> dst = new ArrayList<>(2);
        final List<Rng> lends = new ArrayList<>(2);
        final List<Msg> msgs = new ArrayList<>(1);
        final List<Effect> effects = new ArrayList<>(2);
        final List<Target> targets = new ArrayList<>(1);
        CompletableFuture<?> future;
        boolean uncertain;
        boolean batch;
        boolean keepsOnRemoteAccessError = true;
        int recvSide = -1;
        Rng recvDst;

        Op(String name, int domain) {
            this.name = name;
            this.domain = domain;
        }

        @Override
        public String toString() {
            return name + "@" + step;
        }
    }

    private record ViewM(Region r, long off, long len, boolean write, MemoryView view) {}

    // ================================================================== driver

    /** Runs the sequence; returns the steps executed. */
    int run() throws Exception {
        ctx[0] = runner.context(0);
        ctx[1] = runner.context(1);
        CompletableFuture<Connection> accepted = runner.listener(1).acceptAsync();
        conn[0] = ctx[0].connect(runner.listener(1).localAddress());
        conn[1] = accepted.get(patienceNanos, TimeUnit.NANOSECONDS);
        int n = in.consumeInt(1, MAX_STEPS);
        for (step = 1; step <= n && in.remainingBytes() > 0; step++) {
            long t0 = System.nanoTime();
            harvest(-1);
            doStep();
            harvest(-1);
            compareAll();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (ms >= 5 && !log.isEmpty()) {
                log.add(log.pollLast() + " (" + ms + " ms)");
            }
        }
        return step - 1;
    }

    private void note(String s) {
        if (log.size() == 80) {
            log.poll();
        }
        log.add(step + ": " + s);
    }

    /** The connections' counters and every thread's stack, for a hang seen once under some timing. */
    private String stateAtTimeout() {
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < 2; s++) {
            Object counters;
            try {
                counters = conn[s] == null ? "none" : conn[s].stats();
            } catch (RuntimeException e) {
                counters = e;
            }
            b.append("\nconnection ").append(s == 0 ? "A" : "B").append(": ").append(counters);
        }
        return b + ThreadDump.take("api-sequence");
    }

    private AssertionError finding(String what, Throwable cause) {
        return new AssertionError(what + "\nlast steps:\n  " + String.join("\n  ", log), cause);
    }

    private void doStep() {
        int s = in.consumeBoolean() ? 1 : 0;
        int kind = in.consumeInt(0, 31);
        switch (kind) {
            case 0, 1 -> allocate(s);
            case 2 -> closeRegion(s);
            case 3, 4 -> cpuWrite(s);
            case 5 -> cpuRead(s);
            case 6 -> openView(s);
            case 7 -> useView();
            case 8 -> closeView();
            case 9, 10 -> grant(s);
            case 11, 12 -> acceptGrant(s);
            case 13 -> requestRemote(s);
            case 14 -> release(s);
            case 15 -> revoke(s);
            case 16, 17 -> oneSided(s, 'w');
            case 18 -> oneSided(s, 'r');
            case 19 -> oneSided(s, 'i');
            case 20 -> atomic(s);
            case 21, 22 -> send(s);
            case 23, 24 -> receive(s);
            case 25 -> batch(s);
            case 26 -> closeConnection(s);
            case 27 -> sleep();
            case 28 -> quiesce();
            case 29 -> {
                if (in.consumeInt(0, 7) == 0) {
                    closeContext(s);
                } else {
                    sleep();
                }
            }
            default -> oneSided(s, in.consumeBoolean() ? 'w' : 'r');
        }
    }

    // ================================================================== exceptions

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Fails unless {@code t} is an exception the API documents for what was done. */
    private void documented(Throwable t, String what) {
        t = unwrap(t);
        if (t instanceof AssertionError a) {
            throw a;
        }
        if (t instanceof RdmaException || t instanceof IllegalArgumentException || t instanceof IndexOutOfBoundsException) {
            return;
        }
        if (t instanceof IllegalStateException && t.getStackTrace().length > 0
                && t.getStackTrace()[0].getClassName().startsWith("io.rdma4j.")) {
            return;
        }
        throw finding("undocumented exception from " + what + ": " + t, t);
    }

    /** An exception the caller gets before anything is posted. */
    private static boolean prePost(Throwable t) {
        return t instanceof IllegalArgumentException || t instanceof IndexOutOfBoundsException
                || t instanceof IllegalStateException || t instanceof MemoryInUseException
                || t instanceof io.rdma4j.GrantException || t instanceof ResourceClosedException;
    }

    /** A MemoryInUseException is right only where the model has a lend on the region. */
    private void checkInUse(Throwable t, Region r, long off, long len) {
        if (!(unwrap(t) instanceof MemoryInUseException) || r == null) {
            return;
        }
        if (!lent(new Rng(r, off, Math.max(1, len)))) {
            throw finding("MemoryInUseException on " + r + " [" + off + ", +" + len + ") where nothing is lent", t);
        }
    }

    /**
     * For an operation refused with MemoryInUseException: one of its ranges must be lent already,
     * or (a batch) two of its own ranges overlap. Which entry of a batch conflicted is not known.
     */
    private void checkInUse(Throwable t, List<Rng> lends) {
        if (!(unwrap(t) instanceof MemoryInUseException) || lends.isEmpty()) {
            return;
        }
        for (int i = 0; i < lends.size(); i++) {
            Rng l = lends.get(i);
            if (lent(new Rng(l.r, l.off, Math.max(1, l.len)))) {
                return;
            }
            for (int j = 0; j < i; j++) {
                if (l.overlaps(lends.get(j))) {
                    return;
                }
            }
        }
        throw finding("MemoryInUseException on " + lends + " where nothing is lent", t);
    }

    private boolean lent(Rng want) {
        for (Op o : pending) {
            for (Rng l : o.lends) {
                if (l.overlaps(want)) {
                    return true;
                }
            }
        }
        for (ViewM v : views) {
            if (new Rng(v.r, v.off, v.len).overlaps(want)) {
                return true;
            }
        }
        return false;
    }

    // ================================================================== picking

    private Region pickRegion(int side) {
        List<Region> mine = new ArrayList<>();
        for (Region r : regions) {
            if (r.mr != null && (r.side == side || in.consumeInt(0, 15) == 0)) {
                mine.add(r);
            }
        }
        return mine.isEmpty() ? null : mine.get(in.consumeInt(0, mine.size() - 1));
    }

    /** A grant the given side holds (or, rarely, one the other side holds: a misuse). */
    private GrantM pickHeld(int side) {
        List<GrantM> mine = new ArrayList<>();
        for (GrantM g : grants) {
            if (g.remote != null && (g.granter != side || in.consumeInt(0, 15) == 0)) {
                mine.add(g);
            }
        }
        return mine.isEmpty() ? null : mine.get(in.consumeInt(0, mine.size() - 1));
    }

    private long pickLen(long max) {
        if (in.consumeInt(0, 31) == 0) {
            return in.consumeLong(-1, max + 64); // maybe out of bounds
        }
        return in.consumeLong(0, Math.max(0, max));
    }

    private long pickOff(long size, long len) {
        if (in.consumeInt(0, 31) == 0) {
            return in.consumeLong(-8, size + 8);
        }
        return in.consumeLong(0, Math.max(0, size - Math.max(0, len)));
    }

    // ================================================================== memory steps

    private void allocate(int s) {
        long live = regions.stream().filter(r -> r.side == s && r.mr != null && !r.closed).count();
        if (live >= MAX_REGIONS) {
            return;
        }
        int size = switch (in.consumeInt(0, 9)) {
            case 0 -> in.consumeInt(16385, 40000); // dedicated registration
            case 1 -> in.consumeInt(-2, 0);
            default -> in.consumeInt(1, 4096);
        };
        long align = in.consumeInt(0, 3) == 0 ? 1L << in.consumeInt(0, 13) : 0;
        note("allocate " + (s == 0 ? "A" : "B") + " " + size + (align != 0 ? " align " + align : ""));
        try {
            LocalMr mr = align != 0 ? ctx[s].allocate(size, align) : ctx[s].allocate(size);
            if (size <= 0 || (align > 4096) || contextClosedHere[s]) {
                throw finding("allocate(" + size + ", " + align + ") succeeded where it must not", null);
            }
            if (mr.size() != size) {
                throw finding("allocate(" + size + ") gave " + mr.size() + " bytes", null);
            }
            regions.add(new Region(nextRegionId++, s, mr, size));
        } catch (RuntimeException e) {
            documented(e, "allocate");
        }
    }

    private void closeRegion(int s) {
        Region r = pickRegion(s);
        if (r == null) {
            return;
        }
        note("close " + r);
        r.mr.close();
        if (r.mr.isOpen()) {
            throw finding("LocalMr.isOpen() after close", null);
        }
        r.closed = true;
        for (GrantM g : grants) {
            if (g.region == r) {
                g.kill(); // closing revokes its grants, synchronously
            }
        }
    }

    private void cpuWrite(int s) {
        Region r = pickRegion(s);
        if (r == null) {
            return;
        }
        int how = in.consumeInt(0, 5);
        long len = switch (how) {
            case 0 -> 1;
            case 1 -> 4;
            case 2, 3 -> 8;
            default -> pickLen(Math.min(r.data.length, 512));
        };
        long off = pickOff(r.data.length, len);
        byte[] bytes = in.consumeBytes((int) Math.max(0, Math.min(len, 512)));
        if (how == 4 && bytes.length != len) {
            len = bytes.length;
        }
        note("cpu write " + r + " [" + off + ", +" + len + "] how " + how);
        boolean fill = how == 5;
        byte fillValue = bytes.length > 0 ? bytes[0] : 0;
        try {
            ByteBuffer b = ByteBuffer.allocate(8).order(NATIVE);
            b.put(Arrays.copyOf(bytes, 8));
            switch (how) {
                case 0 -> r.mr.putByte(off, b.get(0));
                case 1 -> r.mr.putInt(off, b.getInt(0));
                case 2 -> r.mr.putLong(off, b.getLong(0));
                case 3 -> r.mr.putDouble(off, b.getDouble(0));
                case 4 -> r.mr.put(off, bytes, 0, (int) len);
                default -> r.mr.fill(off, len, fillValue);
            }
            if (r.closed) {
                throw finding("a write through a closed LocalMr succeeded", null);
            }
            byte[] written = new byte[(int) len];
            if (fill) {
                Arrays.fill(written, fillValue);
            } else if (how == 3) {
                // doubles may be canonicalised (NaN): take what the platform stored
                ByteBuffer d = ByteBuffer.allocate(8).order(NATIVE).putDouble(0, b.getDouble(0));
                d.get(0, written, 0, 8);
            } else {
                System.arraycopy(b.array().length >= len && how < 4 ? b.array() : bytes, 0, written, 0, (int) len);
            }
            cpuStore(new Rng(r, off, len), written);
        } catch (RuntimeException e) {
            documented(e, "cpu write");
            if (r.closed && !(e instanceof ResourceClosedException) && !(e instanceof IndexOutOfBoundsException)) {
                throw finding("a write through a closed LocalMr threw " + e + ", not ResourceClosedException", e);
            }
            checkInUse(e, r, off, len);
        }
    }

    /** A CPU store happened: pending operations touching those bytes can no longer be predicted. */
    private void cpuStore(Rng w, byte[] bytes) {
        for (Op o : pending) {
            for (Rng x : o.src) {
                if (x.overlaps(w)) {
                    o.uncertain = true;
                }
            }
            for (Rng x : o.dst) {
                if (x.overlaps(w)) {
                    o.uncertain = true;
                }
            }
        }
        Region r = w.r;
        for (int i = 0; i < bytes.length; i++) {
            r.data[(int) w.off + i] = bytes[i];
            r.known[(int) w.off + i] = true;
        }
    }

    private void cpuRead(int s) {
        Region r = pickRegion(s);
        if (r == null) {
            return;
        }
        long len = pickLen(Math.min(r.data.length, 1024));
        long off = pickOff(r.data.length, len);
        note("cpu read " + r + " [" + off + ", +" + len + "]");
        try {
            byte[] got = in.consumeBoolean() || len > Integer.MAX_VALUE || len <= 0 // (getEach of 0 calls nothing)
                    ? r.mr.getBytes(off, (int) len) : getEach(r.mr, off, (int) len);
            if (r.closed) {
                throw finding("a read through a closed LocalMr succeeded", null);
            }
            compare(r, off, got, "cpu read");
        } catch (RuntimeException e) {
            documented(e, "cpu read");
            if (r.closed && !(e instanceof ResourceClosedException) && !(e instanceof IndexOutOfBoundsException)
                    && !(e instanceof NegativeArraySizeException)) {
                throw finding("a read through a closed LocalMr threw " + e + ", not ResourceClosedException", e);
            }
            checkInUse(e, r, off, len);
        }
    }

    private static byte[] getEach(LocalMr mr, long off, int len) {
        byte[] b = new byte[len];
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            ByteBuffer.wrap(b, i, 8).order(NATIVE).putLong(mr.getLong(off + i));
        }
        for (; i + 4 <= len; i += 4) {
            ByteBuffer.wrap(b, i, 4).order(NATIVE).putInt(mr.getInt(off + i));
        }
        for (; i < len; i++) {
            b[i] = mr.getByte(off + i);
        }
        return b;
    }

    /** Compares bytes read at {@code off} with the model where it knows them and no operation is in flight. */
    private void compare(Region r, long off, byte[] got, String what) {
        boolean[] flux = fluxMask(r);
        for (int i = 0; i < got.length; i++) {
            int at = (int) off + i;
            if (r.known[at] && !flux[at] && r.data[at] != got[i]) {
                throw finding(what + ": " + r + " byte " + at + " is " + got[i] + ", the model says " + r.data[at]
                        + " (" + Integer.toHexString(r.data[at] & 0xFF) + ")", null);
            }
        }
    }

    private boolean[] fluxMask(Region r) {
        boolean[] m = new boolean[r.data.length];
        for (Op o : pending) {
            for (Rng x : o.dst) {
                if (x.r == r) {
                    Arrays.fill(m, (int) x.off, (int) (x.off + x.len), true);
                }
            }
        }
        return m;
    }

    /** Every byte of every open region the model knows, outside operations in flight and write views. */
    private void compareAll() {
        for (Region r : regions) {
            if (r.mr == null || r.closed) {
                continue;
            }
            boolean[] skip = fluxMask(r);
            for (ViewM v : views) {
                if (v.r == r && v.write) {
                    Arrays.fill(skip, (int) v.off, (int) (v.off + v.len), true);
                }
            }
            int i = 0;
            while (i < skip.length) {
                if (skip[i]) {
                    i++;
                    continue;
                }
                int j = i;
                while (j < skip.length && !skip[j]) {
                    j++;
                }
                byte[] got;
                try {
                    got = r.mr.getBytes(i, j - i);
                } catch (MemoryInUseException e) {
                    checkInUse(e, r, i, j - i);
                    i = j;
                    continue;
                }
                compare(r, i, got, "after step " + step);
                i = j;
            }
        }
    }

    // ================================================================== views

    private void openView(int s) {
        Region r = pickRegion(s);
        if (r == null || views.size() >= 4) {
            return;
        }
        long len = pickLen(r.data.length);
        long off = pickOff(r.data.length, len);
        boolean write = in.consumeBoolean();
        note("open " + (write ? "write" : "read") + " view " + r + " [" + off + ", +" + len + "]");
        try {
            MemoryView v = write ? r.mr.view(off, len) : r.mr.readView(off, len);
            if (r.closed) {
                throw finding("a view of a closed LocalMr opened", null);
            }
            if (v.segment().byteSize() != len) {
                throw finding("a view of " + len + " bytes has a segment of " + v.segment().byteSize(), null);
            }
            if (!write && !v.segment().isReadOnly()) {
                throw finding("a read view's segment is writable", null);
            }
            views.add(new ViewM(r, off, len, write, v));
        } catch (RuntimeException e) {
            documented(e, "open view");
            checkInUse(e, r, off, len);
        }
    }

    private void useView() {
        if (views.isEmpty()) {
            return;
        }
        ViewM v = views.get(in.consumeInt(0, views.size() - 1));
        MemorySegment seg = v.view.segment();
        byte[] cur = seg.toArray(ValueLayout.JAVA_BYTE);
        compare(v.r, v.off, cur, "view read");
        if (v.write && v.len > 0) {
            long off = in.consumeLong(0, v.len - 1);
            byte[] bytes = in.consumeBytes((int) Math.min(v.len - off, 256));
            note("view write " + v.r + " at " + (v.off + off) + " +" + bytes.length);
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, off, bytes.length);
            cpuStore(new Rng(v.r, v.off + off, bytes.length), bytes);
        }
    }

    private void closeView() {
        if (views.isEmpty()) {
            return;
        }
        ViewM v = views.remove(in.consumeInt(0, views.size() - 1));
        note("close view " + v.r + " [" + v.off + ", +" + v.len + "]");
        v.view.close();
        v.view.close(); // idempotent
        try {
            v.view.segment().get(ValueLayout.JAVA_BYTE, 0);
            if (v.len > 0) {
                throw finding("a view's segment still works after the view closed", null);
            }
        } catch (IllegalStateException | IndexOutOfBoundsException expected) {
            // the segment's scope ended with the view
        }
    }

    // ================================================================== grants

    private Duration pickLease() {
        return LEASES[in.consumeInt(0, LEASES.length - 1)];
    }

    private void grant(int s) {
        Region r = pickRegion(s);
        if (r == null) {
            return;
        }
        long len = pickLen(r.data.length);
        long off = pickOff(r.data.length, len);
        Access a = ACCESS[in.consumeInt(0, ACCESS.length - 1)];
        Duration lease = pickLease();
        note("grant " + r + " [" + off + ", +" + len + "] " + a + " " + lease + " to " + (s == 0 ? "B" : "A"));
        long before = System.nanoTime();
        try {
            Grant g = conn[s].grant(new LocalSlice(r.mr, off, len), a, lease);
            if (r.closed || r.side != s) {
                throw finding("grant of a closed or foreign region succeeded", null);
            }
            GrantM m = new GrantM(s, r, off, len, a, before + lease.toNanos());
            m.grant = g;
            grants.add(m);
            grantsToClaim[1 - s]++;
        } catch (RuntimeException e) {
            documented(e, "grant");
            checkInUse(e, r, off, len);
        }
    }

    private void acceptGrant(int s) {
        boolean blocking = in.consumeBoolean() && claimable(s) > 0;
        note("acceptGrant" + (blocking ? "" : "Async") + " on " + (s == 0 ? "A" : "B"));
        Op op = new Op("acceptGrant", CTL + s);
        op.effects.add(res -> claim(s, (RemoteMr) res));
        post(op, blocking, () -> blocking ? CompletableFuture.completedFuture(conn[s].acceptGrant())
                : conn[s].acceptGrantAsync(), null);
    }

    private int claimable(int s) {
        int waiting = 0;
        for (Op o : pending) {
            if (o.domain == CTL + s && o.name.equals("acceptGrant")) {
                waiting++;
            }
        }
        return grantsToClaim[s] - waiting;
    }

    private void claim(int s, RemoteMr r) {
        grantsToClaim[s]--;
        for (GrantM g : grants) {
            if (g.granter == 1 - s && g.grant != null && g.grant.grantId() == r.grantId()) {
                if (g.remote != null) {
                    throw finding("grant " + r.grantId() + " was accepted twice", null);
                }
                if (r.length() != g.length || r.access() != g.access || r.connection() != conn[s]) {
                    throw finding("accepted " + r + " does not match its grant " + g.grant, null);
                }
                g.remote = r;
                return;
            }
        }
        throw finding("acceptGrant returned " + r + ", which the peer never granted", null);
    }

    private void requestRemote(int s) {
        long size = in.consumeInt(0, 7) == 0 ? in.consumeLong(-1, 200_000) : in.consumeLong(1, 4096);
        Access a = ACCESS[in.consumeInt(0, ACCESS.length - 1)];
        Duration lease = pickLease();
        boolean blocking = in.consumeBoolean();
        note("requestRemote" + (blocking ? "" : "Async") + " " + size + " " + a + " " + lease + " from " + (s == 0 ? "A" : "B"));
        long before = System.nanoTime();
        Op op = new Op("requestRemote", REQ + s);
        op.effects.add(res -> {
            RemoteMr r = (RemoteMr) res;
            if (r.length() != size || r.access() != a || r.connection() != conn[s]) {
                throw finding("requestRemote(" + size + ", " + a + ") gave " + r, null);
            }
            Region hidden = new Region(nextRegionId++, 1 - s, null, (int) size);
            regions.add(hidden);
            GrantM g = new GrantM(1 - s, hidden, 0, size, a, before + lease.toNanos());
            g.remote = r;
            grants.add(g);
        });
        post(op, blocking, () -> blocking ? CompletableFuture.completedFuture(conn[s].requestRemote(size, a, lease))
                : conn[s].requestRemoteAsync(size, a, lease), null);
    }

    private void release(int s) {
        GrantM g = pickHeld(s);
        if (g == null) {
            return;
        }
        int holder = 1 - g.granter;
        note("release grant " + g.remote.grantId() + " by " + (s == 0 ? "A" : "B") + (holder != s ? " (foreign)" : ""));
        try {
            conn[s].release(g.remote);
            if (holder != s) {
                throw finding("release of a grant held on another connection succeeded", null);
            }
            g.kill();
            if (g.remote.isValid()) {
                throw finding("a released RemoteMr is still valid", null);
            }
        } catch (RuntimeException e) {
            documented(e, "release");
        }
    }

    private void revoke(int s) {
        List<GrantM> mine = grants.stream().filter(g -> g.granter == s && g.grant != null).toList();
        if (mine.isEmpty()) {
            return;
        }
        GrantM g = mine.get(in.consumeInt(0, mine.size() - 1));
        note("revoke grant " + g.grant.grantId());
        g.grant.revoke();
        g.kill();
        if (g.grant.isActive()) {
            throw finding("a revoked grant is still active", null);
        }
    }

    // ================================================================== operations

    /**
     * Posts {@code op} through {@code call}: blocking calls finish inside it. Records the
     * operation unless it was refused before posting; checks races with other domains.
     */
    private boolean post(Op op, boolean blocking, java.util.function.Supplier<CompletableFuture<?>> call, Region local) {
        try {
            op.future = call.get();
        } catch (OperationTimeoutException e) {
            throw finding(op.name + " (blocking) did not finish within the operation timeout" + stateAtTimeout(), e);
        } catch (RuntimeException e) {
            documented(e, op.name);
            checkInUse(e, op.lends);
            if (!blocking || prePost(e)) {
                return false; // nothing was posted
            }
            op.future = CompletableFuture.failedFuture(e);
        }
        for (Rng l : op.lends) {
            // only a call that did not throw was accepted (a blocking one may fail for another reason first)
            if (!op.future.isCompletedExceptionally() && (l.r.closed || l.r.side != op.domain % 2)) {
                throw finding(op + " with a closed or foreign LocalMr (" + l.r + ") was accepted", null);
            }
        }
        for (Op o : pending) {
            if (o.domain == op.domain) {
                continue;
            }
            if (any(op.dst, o.src) || any(op.dst, o.dst) || any(op.src, o.dst)) {
                op.uncertain = true;
                o.uncertain = true;
            }
        }
        for (Msg m : op.msgs) {
            unmatched.get(op.domain - SQ).add(m);
        }
        pending.add(op);
        if (blocking) {
            harvest(op.domain);
        }
        return true;
    }

    private static boolean any(List<Rng> a, List<Rng> b) {
        for (Rng x : a) {
            for (Rng y : b) {
                if (x.overlaps(y)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The bytes of {@code r} the model has now (for a source captured at post). */
    private static byte[] snap(Rng r) {
        return Arrays.copyOfRange(r.r.data, (int) r.off, (int) (r.off + r.len));
    }

    private static boolean[] snapKnown(Rng r) {
        return Arrays.copyOfRange(r.r.known, (int) r.off, (int) (r.off + r.len));
    }

    private static void store(Rng r, byte[] data, boolean[] known) {
        if (r.r.closed) {
            return;
        }
        System.arraycopy(data, 0, r.r.data, (int) r.off, (int) r.len);
        System.arraycopy(known, 0, r.r.known, (int) r.off, (int) r.len);
    }

    private static void unknown(Rng r) {
        Arrays.fill(r.r.known, (int) r.off, (int) (r.off + r.len), false);
    }

    /** Resolves a local slice; returns null when the arguments are out of bounds (the call is made anyway). */
    private record Local(LocalSlice slice, Rng rng) {}

    private Local local(Region r, long off, long len) {
        try {
            LocalSlice sl = new LocalSlice(r.mr, off, len);
            return new Local(sl, new Rng(r, off, len));
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
    }

    private record Remote(RemoteSlice slice, Rng rng) {}

    private Remote remote(GrantM g, long off, long len) {
        try {
            RemoteSlice sl = g.remote.slice(off, len);
            return new Remote(sl, new Rng(g.region, g.regionOff + off, len));
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
    }

    /** One-sided: 'w' write, 'r' read, 'i' write with immediate. */
    private void oneSided(int s, char kind) {
        GrantM g = pickHeld(s);
        Region r = pickRegion(s);
        if (g == null || r == null) {
            return;
        }
        long len = pickLen(Math.min(r.data.length, g.length));
        long loff = pickOff(r.data.length, len);
        long roff = pickOff(g.length, len);
        if (in.consumeInt(0, 31) == 0) {
            roff = pickOff(g.length, len + 1); // lengths differ
        }
        Local l = local(r, loff, len);
        Remote rm = remote(g, roff, len);
        int imm = in.consumeInt();
        boolean blocking = in.consumeBoolean() && receivesAvailable(1 - s) >= (kind == 'i' ? 1 : 0);
        String name = switch (kind) {
            case 'w' -> "write";
            case 'r' -> "read";
            default -> "writeWithImm";
        };
        note(name + (blocking ? "" : "Async") + " by " + (s == 0 ? "A" : "B") + " " + r + "[" + loff + ", +" + len
                + "] " + (kind == 'r' ? "<-" : "->") + " grant " + g.remote.grantId() + "[" + roff + "]");
        if (l == null || rm == null) {
            try {
                if (l == null) {
                    new LocalSlice(r.mr, loff, len);
                } else {
                    g.remote.slice(roff, len);
                }
                throw finding("a slice out of bounds was accepted", null);
            } catch (IndexOutOfBoundsException | IllegalArgumentException expected) {
                return;
            }
        }
        Op op = new Op(name, SQ + s);
        op.targets.add(new Target(g, kind, len));
        if (kind == 'r') {
            op.src.add(rm.rng);
            op.dst.add(l.rng);
            op.lends.add(l.rng);
            op.effects.add(res -> store(l.rng, snap(rm.rng), snapKnown(rm.rng)));
        } else {
            op.src.add(l.rng);
            op.dst.add(rm.rng);
            op.lends.add(l.rng);
            byte[] data = snap(l.rng);
            boolean[] known = snapKnown(l.rng);
            op.effects.add(res -> store(rm.rng, data, known));
            if (kind == 'i') {
                op.msgs.add(new Msg((int) len, null, null, true, imm, true, op));
            }
        }
        post(op, blocking, () -> switch (kind) {
            case 'w' -> {
                if (blocking) {
                    conn[s].write(l.slice, rm.slice);
                    yield CompletableFuture.completedFuture(null);
                }
                yield conn[s].writeAsync(l.slice, rm.slice);
            }
            case 'r' -> {
                if (blocking) {
                    conn[s].read(l.slice, rm.slice);
                    yield CompletableFuture.completedFuture(null);
                }
                yield conn[s].readAsync(l.slice, rm.slice);
            }
            default -> {
                if (blocking) {
                    conn[s].writeWithImm(l.slice, rm.slice, imm);
                    yield CompletableFuture.completedFuture(null);
                }
                yield conn[s].writeWithImmAsync(l.slice, rm.slice, imm);
            }
        }, r);
    }

    private void atomic(int s) {
        GrantM g = pickHeld(s);
        if (g == null) {
            return;
        }
        long roff = in.consumeInt(0, 3) == 0 ? pickOff(g.length, 8) : (pickOff(g.length, 8) & ~7L);
        long rlen = in.consumeInt(0, 15) == 0 ? in.consumeInt(0, 16) : 8;
        Remote rm = remote(g, roff, rlen);
        boolean cas = in.consumeBoolean();
        long a = in.consumeInt(0, 3) == 0 ? in.consumeLong() : in.consumeInt(-3, 3);
        long b = in.consumeLong();
        boolean blocking = in.consumeBoolean() && receivesAvailable(1 - s) >= 0;
        note((cas ? "compareAndSwap" : "fetchAndAdd") + (blocking ? "" : "Async") + " by " + (s == 0 ? "A" : "B")
                + " grant " + g.remote.grantId() + "[" + roff + ", +" + rlen + "] " + a + " " + b);
        if (rm == null) {
            return;
        }
        Op op = new Op(cas ? "compareAndSwap" : "fetchAndAdd", SQ + s);
        op.targets.add(new Target(g, 'a', 8));
        op.src.add(rm.rng);
        op.dst.add(rm.rng);
        op.effects.add(res -> applyAtomic(op, rm.rng, cas, a, b, (Long) res, null));
        post(op, blocking, () -> {
            if (blocking) {
                return CompletableFuture.completedFuture(cas ? conn[s].compareAndSwap(rm.slice, a, b)
                        : conn[s].fetchAndAdd(rm.slice, a));
            }
            return cas ? conn[s].compareAndSwapAsync(rm.slice, a, b) : conn[s].fetchAndAddAsync(rm.slice, a);
        }, null);
    }

    /** Checks the old value an atomic returned (or wrote into {@code result}) and applies the atomic. */
    private void applyAtomic(Op op, Rng t, boolean cas, long a, long b, Long returned, Rng result) {
        if (t.len != 8) {
            throw finding(op + " on " + t.len + " bytes succeeded", null);
        }
        boolean known = !op.uncertain;
        for (int i = 0; i < 8; i++) {
            known &= t.r.known[(int) t.off + i];
        }
        if (!known) {
            unknown(t);
            if (result != null) {
                unknown(result);
            }
            return;
        }
        long old = ByteBuffer.wrap(t.r.data, (int) t.off, 8).order(NATIVE).getLong();
        if (returned != null && returned != old) {
            throw finding(op + " returned " + returned + ", the model's old value is " + old, null);
        }
        long now = cas ? (old == a ? b : old) : old + a;
        if (!t.r.closed) {
            ByteBuffer.wrap(t.r.data, (int) t.off, 8).order(NATIVE).putLong(now);
        }
        if (result != null && !result.r.closed) {
            ByteBuffer.wrap(result.r.data, (int) result.off, 8).order(NATIVE).putLong(old);
            Arrays.fill(result.r.known, (int) result.off, (int) result.off + 8, true);
        }
    }

    /**
     * Receives {@code peer} has posted that no message already sent to it will take; negative
     * when messages wait for receives. A SEND waiting for a receive (RNR, retried forever) holds
     * up everything posted after it on that send queue, as on an RC queue pair, so a blocking
     * call there is only made when this is at least what the call itself needs.
     */
    private int receivesAvailable(int peer) {
        int posted = 0;
        for (Op o : pending) {
            if (o.domain == RQ + peer) {
                posted++;
            }
        }
        return posted - unmatched.get(1 - peer).size();
    }

    private void send(int s) {
        Region r = pickRegion(s);
        if (r == null) {
            return;
        }
        long len = pickLen(Math.min(r.data.length, 4096));
        long off = pickOff(r.data.length, len);
        boolean imm = in.consumeBoolean();
        int immValue = in.consumeInt();
        boolean blocking = in.consumeBoolean() && receivesAvailable(1 - s) >= 1;
        note("send" + (imm ? "WithImm" : "") + (blocking ? "" : "Async") + " by " + (s == 0 ? "A" : "B") + " " + r
                + "[" + off + ", +" + len + "]");
        Local l = local(r, off, len);
        if (l == null) {
            return;
        }
        Op op = new Op("send", SQ + s);
        op.src.add(l.rng);
        op.lends.add(l.rng);
        op.msgs.add(new Msg((int) len, snap(l.rng), snapKnown(l.rng), imm, immValue, false, op));
        post(op, blocking, () -> {
            if (blocking) {
                if (imm) {
                    conn[s].sendWithImm(l.slice, immValue);
                } else {
                    conn[s].send(l.slice);
                }
                return CompletableFuture.completedFuture(null);
            }
            return imm ? conn[s].sendWithImmAsync(l.slice, immValue) : conn[s].sendAsync(l.slice);
        }, r);
    }

    private void receive(int s) {
        Region r = pickRegion(s);
        if (r == null) {
            return;
        }
        long len = pickLen(Math.min(r.data.length, 4096));
        long off = pickOff(r.data.length, len);
        int incoming = unmatched.get(1 - s).size();
        int posted = 0;
        for (Op o : pending) {
            if (o.domain == RQ + s) {
                posted++;
            }
        }
        boolean blocking = in.consumeBoolean() && incoming - posted > 0;
        note("receive" + (blocking ? "" : "Async") + " on " + (s == 0 ? "A" : "B") + " " + r + "[" + off + ", +" + len + "]");
        Local l = local(r, off, len);
        if (l == null) {
            return;
        }
        Op op = new Op("receive", RQ + s);
        op.dst.add(l.rng);
        op.lends.add(l.rng);
        op.recvSide = s;
        op.recvDst = l.rng;
        op.effects.add(res -> matchReceive(op, (Received) res));
        post(op, blocking, () -> blocking ? CompletableFuture.completedFuture(conn[s].receive(l.slice))
                : conn[s].receiveAsync(l.slice), r);
    }

    private void matchReceive(Op op, Received got) {
        Msg m = unmatched.get(1 - op.recvSide).poll();
        if (m == null) {
            throw finding(op + " received " + got + " but the peer sent nothing", null);
        }
        if (got.byteLength() != m.length || got.hasImmediate() != m.hasImm || got.byRdmaWrite() != m.byWrite
                || (m.hasImm && got.immediate() != m.imm)) {
            throw finding(op + " received " + got + " for a message of " + m.length + " bytes, imm " + m.hasImm + "/"
                    + m.imm + ", byWrite " + m.byWrite + " (" + m.op + ")", null);
        }
        if (!m.byWrite) {
            if (m.length > op.recvDst.len) {
                throw finding(op + " of " + op.recvDst.len + " bytes took a message of " + m.length, null);
            }
            Rng placed = new Rng(op.recvDst.r, op.recvDst.off, m.length);
            store(placed, m.data, m.known);
            if (m.op.uncertain) {
                unknown(placed);
            }
        }
    }

    private void batch(int s) {
        int n = in.consumeInt(0, 7);
        Batch b = conn[s].batch();
        Op op = new Op("batch", SQ + s);
        op.batch = true;
        op.keepsOnRemoteAccessError = false;
        StringBuilder what = new StringBuilder("batch by " + (s == 0 ? "A" : "B") + ":");
        int sends = 0;
        try {
            for (int i = 0; i < n; i++) {
                int kind = in.consumeInt(0, 6);
                Region r = pickRegion(s);
                if (r == null) {
                    break;
                }
                if (kind <= 1) { // send, sendWithImm
                    long len = pickLen(Math.min(r.data.length, 2048));
                    long off = pickOff(r.data.length, len);
                    int imm = in.consumeInt();
                    Local l = local(r, off, len);
                    what.append(" send[").append(r).append(' ').append(off).append('+').append(len).append(']');
                    if (l == null) {
                        return;
                    }
                    if (kind == 0) {
                        b.send(l.slice);
                    } else {
                        b.sendWithImm(l.slice, imm);
                    }
                    op.src.add(l.rng);
                    op.lends.add(l.rng);
                    op.msgs.add(new Msg((int) len, snap(l.rng), snapKnown(l.rng), kind == 1, imm, false, op));
                    sends++;
                    continue;
                }
                GrantM g = pickHeld(s);
                if (g == null) {
                    break;
                }
                if (kind >= 5) { // atomics into a local result
                    long roff = pickOff(g.length, 8) & ~7L;
                    long loff = pickOff(r.data.length, 8);
                    Remote rm = remote(g, roff, 8);
                    Local l = local(r, loff, 8);
                    boolean cas = kind == 6;
                    long x = in.consumeInt(-3, 3);
                    long y = in.consumeLong();
                    what.append(cas ? " cas[" : " faa[").append(r).append(' ').append(loff).append(" <- grant ")
                            .append(g.remote.grantId()).append(' ').append(roff).append(']');
                    if (rm == null || l == null) {
                        return;
                    }
                    if (cas) {
                        b.compareAndSwap(l.slice, rm.slice, x, y);
                    } else {
                        b.fetchAndAdd(l.slice, rm.slice, x);
                    }
                    op.targets.add(new Target(g, 'a', 8));
                    op.src.add(rm.rng);
                    op.dst.add(rm.rng);
                    op.dst.add(l.rng);
                    op.lends.add(l.rng);
                    op.effects.add(res -> applyAtomic(op, rm.rng, cas, x, y, null, l.rng));
                    continue;
                }
                long len = pickLen(Math.min(r.data.length, g.length));
                long loff = pickOff(r.data.length, len);
                long roff = pickOff(g.length, len);
                Local l = local(r, loff, len);
                Remote rm = remote(g, roff, len);
                char k = kind == 2 ? 'w' : kind == 3 ? 'r' : 'i';
                int imm = in.consumeInt();
                what.append(' ').append(k).append('[').append(r).append(' ').append(loff).append('+').append(len)
                        .append(" grant ").append(g.remote.grantId()).append(' ').append(roff).append(']');
                if (l == null || rm == null) {
                    return;
                }
                op.targets.add(new Target(g, k, len));
                op.lends.add(l.rng);
                if (k == 'r') {
                    b.read(l.slice, rm.slice);
                    op.src.add(rm.rng);
                    op.dst.add(l.rng);
                    op.effects.add(res -> store(l.rng, snap(rm.rng), snapKnown(rm.rng)));
                } else {
                    if (k == 'w') {
                        b.write(l.slice, rm.slice);
                    } else {
                        b.writeWithImm(l.slice, rm.slice, imm);
                        op.msgs.add(new Msg((int) len, null, null, true, imm, true, op));
                        sends++;
                    }
                    op.src.add(l.rng);
                    op.dst.add(rm.rng);
                    byte[] data = snap(l.rng);
                    boolean[] known = snapKnown(l.rng);
                    op.effects.add(res -> store(rm.rng, data, known));
                }
            }
        } finally {
            note(what.toString());
        }
        if (b.size() != op.effects.size() + countSends(op)) {
            throw finding("batch size " + b.size() + " after " + (op.effects.size() + countSends(op)) + " adds", null);
        }
        boolean blocking = in.consumeBoolean() && receivesAvailable(1 - s) >= sends;
        boolean posted = post(op, blocking, () -> {
            if (blocking) {
                b.submit();
                return CompletableFuture.completedFuture(null);
            }
            return b.submitAsync();
        }, null);
        if (!posted) {
            return;
        }
        // A batch is reusable once finished, and refuses changes while in flight. The model
        // does not track a second submission, so this only empties it (or is refused).
        if (blocking && b.inFlight()) {
            throw finding("a batch is in flight after its blocking submit returned", null);
        }
        try {
            b.clear();
            if (b.size() != 0) {
                throw finding("a cleared batch still holds " + b.size() + " requests", null);
            }
        } catch (IllegalStateException inFlight) {
            if (blocking) {
                throw finding("clearing a batch whose blocking submit returned was refused", inFlight);
            }
        }
    }

    private static int countSends(Op op) {
        int n = 0;
        for (Msg m : op.msgs) {
            if (!m.byWrite) {
                n++;
            }
        }
        return n;
    }

    // ================================================================== closing

    private void closeConnection(int s) {
        note("close connection " + (s == 0 ? "A" : "B"));
        conn[s].close();
        conn[s].close(); // idempotent
        if (conn[s].isOpen()) {
            throw finding("Connection.isOpen() after close", null);
        }
        for (GrantM g : grants) {
            g.kill(); // both sides' grants on this pair end
        }
    }

    private void closeContext(int s) {
        note("close context " + (s == 0 ? "A" : "B"));
        ctx[s].close();
        contextClosedHere[s] = true;
        for (Region r : regions) {
            if (r.side == s) {
                r.closed = true;
            }
        }
        for (GrantM g : grants) {
            g.kill();
        }
        // open views stay usable: their memory must outlive them even though the context closed
    }

    private void sleep() {
        int ms = in.consumeInt(0, 10);
        note("sleep " + ms + " ms");
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for every future that must complete now: one-sided ops, atomics, control requests. */
    private void quiesce() {
        note("quiesce");
        for (Op o : List.copyOf(pending)) {
            boolean mayWait = o.domain >= RQ && o.domain < CTL || o.name.equals("acceptGrant") || !o.msgs.isEmpty()
                    || o.domain < RQ && receivesAvailable(1 - o.domain) < 0; // behind a send waiting for a receive
            if (!mayWait) {
                await(o, patienceNanos);
            }
        }
        harvest(-1);
    }

    private void await(Op o, long nanos) {
        try {
            o.future.get(nanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw finding(o + " did not complete within " + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | RuntimeException e) {
            // harvested later
        }
    }

    // ================================================================== harvesting

    /**
     * Processes completed operations in post order within each domain. For domain {@code wait}
     * (a blocking call there just returned, so what was posted before it is done) it waits,
     * boundedly, for the heads.
     */
    private void harvest(int wait) {
        Set<Integer> blocked = new HashSet<>();
        for (Op o : List.copyOf(pending)) {
            if (blocked.contains(o.domain)) {
                continue;
            }
            if (!o.future.isDone() && o.domain == wait) {
                await(o, patienceNanos);
            }
            if (!o.future.isDone()) {
                blocked.add(o.domain);
                continue;
            }
            pending.remove(o);
            process(o);
        }
    }

    private void process(Op o) {
        Object result;
        try {
            result = o.future.getNow(null);
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            Throwable t = unwrap(e);
            documented(t, o.name);
            if (o.recvSide >= 0) {
                unknown(o.recvDst);
                return;
            }
            if (!(t instanceof RemoteAccessException && o.keepsOnRemoteAccessError)) {
                for (Rng d : o.dst) {
                    unknown(d);
                }
            }
            return;
        }
        for (Target t : o.targets) {
            GrantM g = t.grant();
            // A zero-length transfer touches no remote memory, and the InfiniBand spec exempts it
            // from the peer's rkey check (RemoteMr says so): only this side's checks stop it.
            if (t.bytes() > 0 && g.deadAt - o.postNanos < 0) {
                throw finding(o + " succeeded on a grant revoked, released or closed before it was posted", null);
            }
            if (o.postNanos - g.granterDeadline > runner.leaseSlack().toNanos()) {
                throw finding(o + " succeeded long after its grant's lease ended", null);
            }
            boolean allowed = switch (t.need()) {
                case 'r' -> g.access.canRead();
                case 'a' -> g.access.canAtomic();
                default -> g.access.canWrite();
            };
            if (!allowed) {
                throw finding(o + " succeeded on a grant that allows only " + g.access, null);
            }
            if (g.granter == o.domain - SQ) {
                throw finding(o + " succeeded with a grant held on another connection", null);
            }
        }
        for (Effect e : o.effects) {
            e.apply(result);
        }
        if (o.uncertain) {
            for (Rng d : o.dst) {
                unknown(d);
            }
        }
    }

    // ================================================================== teardown and baseline

    /**
     * Closes the connections (every future must then complete within {@code nanos}), checks the
     * model a last time, then closes views and regions.
     */
    String steps() {
        return String.join("\n  ", log);
    }

    void tearDown(long nanos, boolean check) {
        long deadline = System.nanoTime() + nanos;
        for (ViewM v : views) {
            v.view.close();
        }
        views.clear();
        for (int s = 0; s < 2; s++) {
            if (conn[s] != null) {
                conn[s].close();
            }
        }
        if (check) {
            for (Op o : List.copyOf(pending)) {
                await(o, Math.max(1, deadline - System.nanoTime()));
            }
            harvest(-1);
            if (!pending.isEmpty()) {
                throw finding("futures still pending after the connections closed: " + pending + stateAtTimeout(), null);
            }
            compareAll();
        }
        for (Region r : regions) {
            if (r.mr != null) {
                r.mr.close();
            }
        }
    }

    /** Both contexts back to no regions and no pool bytes, and no leak reported. */
    void checkBaseline(long leaksAtStart) throws InterruptedException {
        for (int s = 0; s < 2; s++) {
            RdmaContext c = ctx[s];
            if (c == null) {
                continue;
            }
            long deadline = System.nanoTime() + patienceNanos / 2;
            while ((CoreProbe.regionsInUse(c) != 0 || CoreProbe.poolBytesInUse(c) != 0) && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            if (CoreProbe.regionsInUse(c) != 0 || CoreProbe.poolBytesInUse(c) != 0) {
                throw finding("context " + (s == 0 ? "A" : "B") + (contextClosedHere[s] ? " (closed)" : "")
                        + " not back to baseline: " + CoreProbe.regionsInUse(c) + " regions, "
                        + CoreProbe.poolBytesInUse(c) + " pool bytes in use", null);
            }
        }
        if (CoreProbe.leaksFound() != leaksAtStart) {
            throw finding("the leak detector reported " + (CoreProbe.leaksFound() - leaksAtStart) + " leaks", null);
        }
    }
}
