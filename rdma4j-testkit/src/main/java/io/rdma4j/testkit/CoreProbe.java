package io.rdma4j.testkit;

import io.rdma4j.RdmaContext;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The safe core's test hooks ({@code regionsInUse}, {@code poolBytesInUse}, {@code leaksFound}
 * of {@code io.rdma4j.internal.ContextImpl}), which the public API does not show. They are public
 * methods of a public class in a package the core module does not export, so they are reached
 * by name: this works when the tests run on the class path (as the build runs them), and on the
 * module path once the core exports {@code io.rdma4j.internal} to this module.
 */
final class CoreProbe {
    private static final String CONTEXT_IMPL = "io.rdma4j.internal.ContextImpl";

    private CoreProbe() {}

    /** Regions of {@code ctx} not yet given back to its pool. */
    static long regionsInUse(RdmaContext ctx) {
        return (Long) call(ctx, "regionsInUse");
    }

    /** Bytes {@code ctx}'s pool has handed out. */
    static long poolBytesInUse(RdmaContext ctx) {
        return (Long) call(ctx, "poolBytesInUse");
    }

    /** Forgotten resources the leak detector's cleaners found since the JVM started. */
    static long leaksFound() {
        return (Long) call(null, "leaksFound");
    }

    private static Object call(RdmaContext ctx, String name) {
        try {
            Class<?> impl = Class.forName(CONTEXT_IMPL, true, RdmaContext.class.getClassLoader());
            if (ctx != null && !impl.isInstance(ctx)) {
                throw new AssertionError("the context is a " + ctx.getClass().getName() + ", not the safe core's "
                        + CONTEXT_IMPL + ": the testkit cannot check it for leaks");
            }
            Method m = impl.getMethod(name);
            return m.invoke(ctx);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new AssertionError("the safe core has no test hook " + CONTEXT_IMPL + "." + name + "()", e);
        } catch (IllegalAccessException e) {
            throw new AssertionError("the test hook " + CONTEXT_IMPL + "." + name + "() is not accessible: run the"
                    + " contract on the class path, or have module io.rdma4j export io.rdma4j.internal to io.rdma4j.testkit", e);
        } catch (InvocationTargetException e) {
            throw new AssertionError(CONTEXT_IMPL + "." + name + "() threw " + e.getCause(), e.getCause());
        }
    }
}
