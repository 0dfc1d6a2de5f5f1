package io.rdma4j.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Host-side checks that need the libraries but no RDMA device: every symbol the binding calls
 * is exported by the installed libibverbs/librdmacm, inline verbs are not (so going through the
 * ops table is required), errno reaches exception text, and a missing library is a typed error.
 */
class SymbolsTest {

    @Test
    void librariesLoad() {
        assertTrue(Verbs.isAvailable(), () -> "libibverbs: " + Verbs.unavailabilityCause());
        assertTrue(RdmaCm.isAvailable(), () -> "librdmacm: " + RdmaCm.unavailabilityCause());
    }

    @Test
    void everyBoundSymbolIsExported() {
        List<String> missing = new ArrayList<>();
        for (String s : Verbs.SYMBOLS) {
            if (!Verbs.LIB.has(s)) {
                missing.add(s);
            }
        }
        for (String s : RdmaCm.SYMBOLS) {
            if (!RdmaCm.LIB.has(s)) {
                missing.add(s);
            }
        }
        assertEquals(List.of(), missing, "symbols missing from the installed rdma-core");
    }

    @Test
    void inlineVerbsAreNotExportedSoTheOpsTableIsNeeded() {
        for (String s : List.of("ibv_post_send", "ibv_post_recv", "ibv_poll_cq", "ibv_req_notify_cq")) {
            assertFalse(Verbs.LIB.has(s), s + " is exported; the binding assumes it is static inline");
        }
    }

    @Test
    void errnoAppearsInTheExceptionText() {
        NativeCallException e = new NativeCallException("ibv_modify_qp", Errno.EINVAL, "to RTR");
        assertTrue(e.getMessage().contains("EINVAL"), e.getMessage());
        assertTrue(e.getMessage().contains("Invalid argument"), e.getMessage());
        assertTrue(e.getMessage().contains("to RTR"), e.getMessage());
        assertEquals("EINVAL", e.errnoName());
    }

    @Test
    void aCapturedErrnoFromARealFailingCallIsReported() {
        // close(-1) fails with EBADF in every environment: proves errno capture end to end
        NativeCallException e = org.junit.jupiter.api.Assertions.assertThrows(NativeCallException.class,
                () -> Libc.close(-1));
        assertEquals(9, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains("EBADF"), e.getMessage());
    }

    @Test
    void aMissingLibraryIsATypedErrorNamingThePackage() {
        NativeLibrary lib = NativeLibrary.load("libdoesnotexist-rdma4j.so.9", "rdma4j-nothing");
        assertFalse(lib.isAvailable());
        var handle = lib.downcall("f", java.lang.foreign.FunctionDescriptor.ofVoid(), false);
        NativeLibraryUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(
                NativeLibraryUnavailableException.class, () -> {
                    handle.invokeExact();
                });
        assertTrue(e.getMessage().contains("apt-get install rdma4j-nothing"), e.getMessage());
    }
}
