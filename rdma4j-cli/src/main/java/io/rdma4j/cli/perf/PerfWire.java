package io.rdma4j.cli.perf;

import io.rdma4j.Connection;
import io.rdma4j.LocalMr;
import io.rdma4j.RdmaContext;
import io.rdma4j.Received;
import io.rdma4j.cli.UsageException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The few messages client and server of {@code perf} exchange around a run (hello, reply,
 * results, bye), as SENDs on the measured connection: {@code key=value} lines after a magic
 * line. At most one receive of this kind is posted at a time, and only when no data receive
 * can be consumed by a control message (the run's protocol orders them).
 */
final class PerfWire implements AutoCloseable {
    static final String MAGIC = "rdma4j-perf 1";
    static final int MAX = 4096;

    private final Connection conn;
    private final LocalMr mem;
    private CompletableFuture<Received> pending;

    PerfWire(RdmaContext ctx, Connection conn) {
        this.conn = conn;
        this.mem = ctx.allocate(2L * MAX);
    }

    /** Posts the receive the next message will land in. */
    void postReceive() {
        if (pending != null) {
            throw new IllegalStateException("a control receive is already posted");
        }
        pending = conn.receiveAsync(mem.slice(MAX, MAX));
    }

    /** Waits (without limit: the peer may be running a long sweep) for the posted receive. */
    Map<String, String> take() {
        if (pending == null) {
            throw new IllegalStateException("no control receive posted");
        }
        Received r;
        try {
            r = pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the peer", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException re ? re : new IllegalStateException(String.valueOf(c), c);
        } finally {
            pending = null;
        }
        String text = new String(mem.getBytes(MAX, r.byteLength()), StandardCharsets.UTF_8);
        return decode(text);
    }

    void send(Map<String, String> message) {
        byte[] b = encode(message).getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX) {
            throw new IllegalArgumentException("control message of " + b.length + " bytes exceeds " + MAX);
        }
        mem.put(0, b);
        conn.send(mem.slice(0, b.length));
    }

    static String encode(Map<String, String> m) {
        StringBuilder sb = new StringBuilder(MAGIC).append('\n');
        m.forEach((k, v) -> {
            if (k.contains("=") || k.contains("\n") || v.contains("\n")) {
                throw new IllegalArgumentException("unencodable field " + k);
            }
            sb.append(k).append('=').append(v).append('\n');
        });
        return sb.toString();
    }

    static Map<String, String> decode(String text) {
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].equals(MAGIC)) {
            throw new UsageException("the peer does not speak rdma4j perf's protocol ("
                    + (lines.length == 0 ? "empty message" : "got '" + lines[0] + "'") + "); run rdma4j perf on both sides");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int eq = lines[i].indexOf('=');
            if (eq > 0) {
                m.put(lines[i].substring(0, eq), lines[i].substring(eq + 1));
            }
        }
        return m;
    }

    @Override
    public void close() {
        mem.close();
    }
}
