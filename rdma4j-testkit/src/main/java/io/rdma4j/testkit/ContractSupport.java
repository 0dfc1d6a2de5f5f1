package io.rdma4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * What every contract class shares: the provider under test, where to listen, contexts and
 * connection pairs that are closed after each test, and the leak check that follows.
 *
 * <p>A provider module subclasses each contract class, with no body, and states its settings
 * once in a {@link ContractProfile} on its test class path. The address to listen on is the
 * system property {@value #HOST_PROPERTY}, else the profile's {@link ContractProfile#defaultHost()}
 * (a verbs provider in a Soft-RoCE guest listens on the RDMA interface's address, e.g.
 * {@code 10.77.0.1}).
 */
public abstract class ContractSupport {
    /** For a provider's subclass. */
    protected ContractSupport() {}

    /** System property naming the address contract tests listen on and connect to. */
    public static final String HOST_PROPERTY = "rdma4j.testkit.host";

    /** Resources of the running test, closed in reverse order after it. */
    private final List<AutoCloseable> resources = Collections.synchronizedList(new ArrayList<>());
    /** Contexts of the running test, leak-checked and closed after every other resource. */
    private final List<RdmaContext> contexts = Collections.synchronizedList(new ArrayList<>());

    /** The provider's settings, found once per test JVM (see {@link ContractProfile#load()}). */
    private static final class Profile {
        static final ContractProfile LOADED = ContractProfile.load();
    }

    /**
     * The profile of the provider under test.
     *
     * @return the one {@link ContractProfile} on the test class path
     */
    protected static ContractProfile profile() {
        return Profile.LOADED;
    }

    /**
     * Skips (or fails) the whole class before the contract's own set-up, which opens contexts,
     * when the provider is not ready here. A superclass's {@code @BeforeAll} runs before anything
     * of the subclass.
     */
    @BeforeAll
    static void assumeProviderReady() {
        profile().assumeReady();
    }

    /**
     * The provider under test.
     *
     * @return its name as {@link RdmaOptions#provider()} takes it ({@code tcp}, {@code verbs}, ...)
     */
    protected String provider() {
        return profile().provider();
    }

    /**
     * The address to listen on and connect to.
     *
     * @return the system property {@value #HOST_PROPERTY}, else the profile's default host
     */
    protected String host() {
        String h = System.getProperty(HOST_PROPERTY);
        return h == null || h.isBlank() ? profile().defaultHost() : h.trim();
    }

    /**
     * Adjusts the options of every context a contract test opens (after the test's own settings
     * are applied by {@link #options(Consumer)}, before them here). Default: the profile's.
     *
     * @param builder options with the provider already set
     */
    protected void configure(RdmaOptions.Builder builder) {
        profile().configure(builder);
    }

    /**
     * The largest single transfer the data tests make.
     *
     * @return bytes; the profile's (16 MiB unless a provider lowers it)
     */
    protected long maxTransferSize() {
        return profile().maxTransferSize();
    }

    /**
     * How long a test waits for something that should happen promptly (a future, a leak check).
     *
     * @return the wait; the profile's (20 seconds unless a provider changes it)
     */
    protected Duration patience() {
        return profile().patience();
    }

    // ------------------------------------------------------------------ contexts and connections

    /**
     * Options for the provider under test with the subclass's settings, then the test's.
     *
     * @param testSettings what the test changes
     * @return validated options
     */
    protected RdmaOptions options(Consumer<RdmaOptions.Builder> testSettings) {
        RdmaOptions.Builder b = RdmaOptions.builder().provider(provider());
        configure(b);
        testSettings.accept(b);
        return b.build();
    }

    /**
     * Opens a context with default settings; closed (after a leak check) when the test ends.
     *
     * @return the context
     */
    protected RdmaContext openContext() {
        return openContext(b -> {});
    }

    /**
     * Opens a context with settings of the test; closed (after a leak check) when the test ends.
     *
     * @param testSettings what the test changes
     * @return the context
     */
    protected RdmaContext openContext(Consumer<RdmaOptions.Builder> testSettings) {
        RdmaContext ctx = Rdma.open(options(testSettings));
        assertEquals(provider(), ctx.provider(), "the context runs on another provider than the one under test");
        contexts.add(ctx);
        return ctx;
    }

    /**
     * Registers anything to close when the test ends, before the contexts.
     *
     * @param resource what to close
     * @param <T> its type
     * @return {@code resource}
     */
    protected <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    /**
     * Allocates registered memory that is closed when the test ends.
     *
     * @param ctx the context
     * @param size bytes
     * @return the region
     */
    protected LocalMr allocate(RdmaContext ctx, long size) {
        return track(ctx.allocate(size));
    }

    /**
     * Listens on {@link #host()} at a free port; closed when the test ends.
     *
     * @param ctx the context
     * @return the listener
     */
    protected Listener listen(RdmaContext ctx) {
        return track(ctx.listen(new InetSocketAddress(host(), 0)));
    }

    /**
     * Two ends of one connection.
     *
     * @param server the accepting end
     * @param client the connecting end
     */
    public record Pair(Connection server, Connection client) {}

    /**
     * Connects {@code client} to a new listener of {@code server}.
     *
     * @param server the accepting context
     * @param client the connecting context
     * @return both ends
     */
    protected Pair connect(RdmaContext server, RdmaContext client) {
        Listener l = listen(server);
        return connect(l, client);
    }

    /**
     * Connects {@code client} to {@code listener}.
     *
     * @param listener where to connect
     * @param client the connecting context
     * @return both ends
     */
    protected Pair connect(Listener listener, RdmaContext client) {
        CompletableFuture<Connection> accepted = listener.acceptAsync();
        Connection c = track(client.connect(listener.localAddress()));
        Connection s = track(await(accepted));
        assertNotNull(s);
        return new Pair(s, c);
    }

    /**
     * Waits {@link #patience()} for a future and returns its value, or fails the test.
     *
     * @param f the future
     * @param <T> its value's type
     * @return its value
     */
    protected <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(patience().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return fail("the operation failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            return fail("the operation did not complete within " + patience() + ThreadDump.take("contract"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    /**
     * Waits {@link #patience()} for a future that must fail, and returns why it failed.
     *
     * @param f the future
     * @return the cause of its failure
     */
    protected Throwable awaitFailure(CompletableFuture<?> f) {
        try {
            Object v = f.get(patience().toMillis(), TimeUnit.MILLISECONDS);
            return fail("the operation succeeded (" + v + ") but should have failed");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return fail("the operation did not complete within " + patience() + ThreadDump.take("contract"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    /**
     * Polls a condition until it holds, or fails the test when {@link #patience()} passes.
     *
     * @param what the condition, for the failure message
     * @param condition the condition
     */
    protected void eventually(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + patience().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + patience() + ": " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for " + what);
            }
        }
    }

    // ------------------------------------------------------------------ teardown and leak check

    /**
     * Closes the test's resources, then checks that each context has given back every region
     * and every pooled byte, then closes the contexts. A context that still holds memory after
     * everything made from it was closed fails the test: something kept a lend or a grant.
     */
    @AfterEach
    void closeAndCheckForLeaks() {
        List<Throwable> problems = new ArrayList<>();
        List<AutoCloseable> rs;
        synchronized (resources) {
            rs = new ArrayList<>(resources);
            resources.clear();
        }
        Collections.reverse(rs);
        for (AutoCloseable r : rs) {
            try {
                r.close();
            } catch (Throwable t) {
                problems.add(new AssertionError("closing " + r + " threw " + t, t));
            }
        }
        List<RdmaContext> cs;
        synchronized (contexts) {
            cs = new ArrayList<>(contexts);
            contexts.clear();
        }
        for (RdmaContext ctx : cs) {
            try {
                if (ctx.isOpen()) {
                    checkNothingInUse(ctx);
                }
            } catch (Throwable t) {
                problems.add(t);
            }
        }
        for (RdmaContext ctx : cs) {
            try {
                ctx.close();
            } catch (Throwable t) {
                problems.add(new AssertionError("closing " + ctx + " threw " + t, t));
            }
        }
        if (!problems.isEmpty()) {
            AssertionError e = new AssertionError("teardown found " + problems.size() + " problem(s); first: "
                    + problems.getFirst().getMessage(), problems.getFirst());
            problems.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /**
     * Waits (up to {@link #patience()}) until a context has no region and no pooled byte out:
     * what a test allocated and closed must go back once its last operation completed.
     *
     * @param ctx the context
     */
    protected void checkNothingInUse(RdmaContext ctx) {
        long deadline = System.nanoTime() + patience().toNanos();
        while (CoreProbe.regionsInUse(ctx) != 0 || CoreProbe.poolBytesInUse(ctx) != 0) {
            if (System.nanoTime() - deadline > 0) {
                fail(ctx + " still holds " + CoreProbe.regionsInUse(ctx) + " region(s) and "
                        + CoreProbe.poolBytesInUse(ctx) + " pooled byte(s) after everything made from it was closed");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted during the leak check");
            }
        }
    }
}
