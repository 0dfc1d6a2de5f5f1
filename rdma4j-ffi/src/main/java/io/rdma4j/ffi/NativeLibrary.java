package io.rdma4j.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;

/**
 * One shared object, looked up at run time, and the factory for its downcall handles.
 *
 * <p>Loading never throws. When the library (or one symbol, or native access) is missing, the
 * handles made here still have the right type but throw {@link NativeLibraryUnavailableException}
 * when invoked, so holder classes full of {@code static final MethodHandle}s initialise fine and
 * the failure surfaces, typed, at the first call.
 */
final class NativeLibrary {
    static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle FRESH_EXCEPTION;

    static {
        try {
            FRESH_EXCEPTION = MethodHandles.lookup().findStatic(NativeLibrary.class, "freshException",
                    MethodType.methodType(NativeLibraryUnavailableException.class,
                            NativeLibraryUnavailableException.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final String name;
    final String debianPackage;
    private final SymbolLookup lookup;
    private final NativeLibraryUnavailableException cause;

    private NativeLibrary(String name, String debianPackage, SymbolLookup lookup,
            NativeLibraryUnavailableException cause) {
        this.name = name;
        this.debianPackage = debianPackage;
        this.lookup = lookup;
        this.cause = cause;
    }

    /**
     * {@code dlopen}s {@code name} for the life of the process. Never throws.
     *
     * @param name a soname such as {@code libibverbs.so.1}
     * @param debianPackage what to {@code apt-get install} when it is missing
     */
    static NativeLibrary load(String name, String debianPackage) {
        try {
            // the global arena: the library stays mapped for the process, as with a DT_NEEDED dependency
            return new NativeLibrary(name, debianPackage, SymbolLookup.libraryLookup(name, Arena.global()), null);
        } catch (IllegalArgumentException e) {
            return new NativeLibrary(name, debianPackage, null,
                    NativeLibraryUnavailableException.notFound(name, debianPackage, e));
        } catch (IllegalCallerException e) {
            return new NativeLibrary(name, debianPackage, null, NativeLibraryUnavailableException
                    .nativeAccessDisabled(name, debianPackage, NativeLibrary.class.getModule(), e));
        }
    }

    /** The C library, which the JVM has already loaded. */
    static NativeLibrary libc() {
        return new NativeLibrary("libc.so.6", "libc6", LINKER.defaultLookup(), null);
    }

    boolean isAvailable() {
        return cause == null;
    }

    Optional<NativeLibraryUnavailableException> unavailabilityCause() {
        return Optional.ofNullable(cause);
    }

    void ensureAvailable() {
        if (cause != null) {
            throw cause.rethrowable();
        }
    }

    /**
     * A downcall handle for {@code symbol}. With {@code captureErrno} the handle takes a leading
     * {@link MemorySegment} that receives {@code errno} (see {@link CallScratch#capture}).
     */
    MethodHandle downcall(String symbol, FunctionDescriptor descriptor, boolean captureErrno,
            Linker.Option... more) {
        MethodType type = descriptor.toMethodType();
        if (captureErrno) {
            type = type.insertParameterTypes(0, MemorySegment.class);
        }
        if (cause != null) {
            return thrower(type, cause);
        }
        Optional<MemorySegment> address = lookup.find(symbol);
        if (address.isEmpty()) {
            return thrower(type, NativeLibraryUnavailableException.symbolNotFound(name, debianPackage, symbol));
        }
        try {
            Linker.Option[] options = more;
            if (captureErrno) {
                options = java.util.Arrays.copyOf(more, more.length + 1);
                options[more.length] = CAPTURE_ERRNO;
            }
            return LINKER.downcallHandle(address.get(), descriptor, options);
        } catch (IllegalCallerException e) {
            return thrower(type, NativeLibraryUnavailableException.nativeAccessDisabled(name, debianPackage,
                    NativeLibrary.class.getModule(), e));
        }
    }

    /**
     * A handle that calls a function pointer of this library's (a provider's ops-table entry),
     * taking the function's address as a leading {@link MemorySegment}, then the errno capture
     * segment if {@code captureErrno}, then the C arguments.
     */
    MethodHandle functionPointer(FunctionDescriptor descriptor, boolean captureErrno, Linker.Option... more) {
        MethodType type = descriptor.toMethodType();
        if (captureErrno) {
            type = type.insertParameterTypes(0, MemorySegment.class);
        }
        type = type.insertParameterTypes(0, MemorySegment.class);
        if (cause != null) {
            return thrower(type, cause);
        }
        Linker.Option[] options = more;
        if (captureErrno) {
            options = java.util.Arrays.copyOf(more, more.length + 1);
            options[more.length] = CAPTURE_ERRNO;
        }
        try {
            MethodHandle handle = LINKER.downcallHandle(descriptor, options);
            if (!handle.type().equals(type)) {
                throw new AssertionError("function pointer handle " + handle.type() + ", expected " + type);
            }
            return handle;
        } catch (IllegalCallerException e) {
            return thrower(type, NativeLibraryUnavailableException.nativeAccessDisabled(name, debianPackage,
                    NativeLibrary.class.getModule(), e));
        }
    }

    /** Whether the library exports {@code symbol} (false when the library itself is missing). */
    boolean has(String symbol) {
        return cause == null && lookup.find(symbol).isPresent();
    }

    /** A handle of {@code type} that throws a fresh copy of {@code prototype} whatever its arguments. */
    private static MethodHandle thrower(MethodType type, NativeLibraryUnavailableException prototype) {
        MethodHandle raise = MethodHandles.throwException(type.returnType(), NativeLibraryUnavailableException.class);
        MethodHandle make = MethodHandles.insertArguments(FRESH_EXCEPTION, 0, prototype);
        return MethodHandles.dropArguments(MethodHandles.foldArguments(raise, make), 0, type.parameterList());
    }

    @SuppressWarnings("unused") // called through FRESH_EXCEPTION
    private static NativeLibraryUnavailableException freshException(NativeLibraryUnavailableException prototype) {
        return prototype.rethrowable();
    }

    /** Turns what {@code invokeExact} declares into what a downcall can really throw. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("a downcall threw a checked exception", t);
    }
}
