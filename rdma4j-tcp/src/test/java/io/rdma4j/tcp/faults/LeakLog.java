package io.rdma4j.tcp.faults;

import io.rdma4j.internal.ContextImpl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures the leak detector's reports (the {@code io.rdma4j.leak} logger, which System.Logger
 * routes to java.util.logging) during each test, and forces collections until the cleaners have
 * run. Register with {@code @RegisterExtension}.
 */
final class LeakLog implements BeforeEachCallback, AfterEachCallback {
    private static final Logger LOGGER = Logger.getLogger("io.rdma4j.leak");

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getMessage() != null && r.getMessage().startsWith("LEAK:")) {
                records.add(r);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @Override
    public void beforeEach(ExtensionContext context) {
        records.clear();
        LOGGER.addHandler(capture);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        LOGGER.removeHandler(capture);
    }

    List<LogRecord> records() {
        return records;
    }

    /** The first report whose message contains {@code what}, or null. */
    LogRecord find(String what) {
        return records.stream().filter(r -> r.getMessage().contains(what)).findFirst().orElse(null);
    }

    /** Reports whose message contains {@code what}. */
    long count(String what) {
        return records.stream().filter(r -> r.getMessage().contains(what)).count();
    }

    /** Waits, collecting garbage, for a report containing {@code what}; null after 20 s. */
    LogRecord await(String what) throws InterruptedException {
        gcUntil(() -> find(what) != null, TimeUnit.SECONDS.toMillis(20));
        return find(what);
    }

    /** Waits, collecting garbage, until the leak counter reaches {@code atLeast}; false after 20 s. */
    static boolean awaitLeaks(long atLeast) throws InterruptedException {
        return gcUntil(() -> ContextImpl.leaksFound() >= atLeast, TimeUnit.SECONDS.toMillis(20));
    }

    /** Collects garbage in a bounded loop until the condition holds; returns whether it did. */
    static boolean gcUntil(BooleanSupplier condition, long millis) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                return false;
            }
            System.gc();
            Thread.sleep(20);
        }
        return true;
    }

    /** Polls without collecting (the cleaner reports first, then frees). */
    static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    static String stack(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
