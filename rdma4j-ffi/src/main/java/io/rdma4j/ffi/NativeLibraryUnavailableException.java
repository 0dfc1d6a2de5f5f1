package io.rdma4j.ffi;

import java.util.Objects;

/**
 * A native library rdma4j needs cannot be used: it is not installed, a symbol is missing from
 * the installed version, or the JVM was started without native access for this module.
 *
 * <p>Never thrown at class load: {@link Verbs#isAvailable()} and {@link RdmaCm#isAvailable()}
 * probe once and keep the cause; every later downcall into a missing library throws a fresh
 * instance of this exception carrying the same facts.
 */
public final class NativeLibraryUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the library cannot be used. */
    public enum Reason {
        /** {@code dlopen} failed: the shared object is not installed (or not on the loader path). */
        LIBRARY_NOT_FOUND,
        /** The library loaded but lacks a symbol, i.e. it is older than the one rdma4j was built against. */
        SYMBOL_NOT_FOUND,
        /** Restricted FFM methods are denied to this module ({@code --illegal-native-access=deny}). */
        NATIVE_ACCESS_DISABLED
    }

    private final String library;
    private final String debianPackage;
    private final Reason reason;

    NativeLibraryUnavailableException(String library, String debianPackage, Reason reason, String message,
            Throwable cause) {
        super(message, cause);
        this.library = Objects.requireNonNull(library);
        this.debianPackage = Objects.requireNonNull(debianPackage);
        this.reason = Objects.requireNonNull(reason);
    }

    static NativeLibraryUnavailableException notFound(String library, String debianPackage, Throwable cause) {
        return new NativeLibraryUnavailableException(library, debianPackage, Reason.LIBRARY_NOT_FOUND,
                library + " cannot be loaded; install it (Debian/Ubuntu: apt-get install " + debianPackage + ")",
                cause);
    }

    static NativeLibraryUnavailableException symbolNotFound(String library, String debianPackage, String symbol) {
        return new NativeLibraryUnavailableException(library, debianPackage, Reason.SYMBOL_NOT_FOUND,
                library + " has no symbol " + symbol + "; it is too old for rdma4j, upgrade "
                        + debianPackage + " (rdma-core 28 or newer)",
                null);
    }

    static NativeLibraryUnavailableException nativeAccessDisabled(String library, String debianPackage,
            Module module, Throwable cause) {
        String flag = module.isNamed() ? module.getName() : "ALL-UNNAMED";
        return new NativeLibraryUnavailableException(library, debianPackage, Reason.NATIVE_ACCESS_DISABLED,
                "native access is disabled for " + (module.isNamed() ? "module " + flag : "the class path")
                        + ", so " + library + " cannot be called; start the JVM with --enable-native-access="
                        + flag,
                cause);
    }

    /** A new exception with the same facts, thrown at the caller's site rather than the probe's. */
    NativeLibraryUnavailableException rethrowable() {
        return new NativeLibraryUnavailableException(library, debianPackage, reason, getMessage(), this);
    }

    /** @return the shared object's name, e.g. {@code libibverbs.so.1} */
    public String library() {
        return library;
    }

    /** @return the Debian package that provides it, e.g. {@code libibverbs1 ibverbs-providers} */
    public String debianPackage() {
        return debianPackage;
    }

    /** @return why the library cannot be used */
    public Reason reason() {
        return reason;
    }
}
