package io.rdma4j.ffi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.UnionLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks every hand-written layout and constant against the installed rdma-core headers: a C
 * program generated from the layouts prints {@code offsetof}/{@code sizeof} of every named
 * member, gcc compiles it, and each value must match. Needs gcc, libibverbs-dev and
 * librdmacm-dev; without them it fails and says what to install (it never skips).
 */
class LayoutTest {
    /** One C expression to evaluate: a struct member's offset and size, or a whole type. */
    record Row(String cType, String member, long offset, long size, long alignment) {
        String key() {
            return cType + (member.isEmpty() ? "" : "." + member);
        }
    }

    @TempDir
    static Path dir;

    static final List<Row> ROWS = new ArrayList<>();
    static final Map<String, Long> CONSTANTS = new LinkedHashMap<>();
    static final Map<String, long[]> MEASURED = new HashMap<>();
    static final Map<String, Long> MEASURED_CONSTANTS = new HashMap<>();

    @BeforeAll
    static void compileAndRun() throws Exception {
        Layouts.byCType().forEach((type, layout) -> {
            ROWS.add(new Row(type, "", 0, layout.byteSize(), layout.byteAlignment()));
            members(type, "", layout, 0);
        });
        for (Class<?> c : new Class<?>[] {Ibv.class, RdmaCm.class}) {
            for (Field f : c.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (Modifier.isPublic(mod) && Modifier.isStatic(mod) && f.getType() == int.class
                        && (f.getName().startsWith("IBV_") || f.getName().startsWith("RDMA_"))) {
                    CONSTANTS.put(f.getName(), (long) f.getInt(null));
                }
            }
        }

        StringBuilder c = new StringBuilder("""
                #include <stddef.h>
                #include <stdio.h>
                #include <poll.h>
                #include <sys/socket.h>
                #include <netinet/in.h>
                #include <infiniband/verbs.h>
                #include <rdma/rdma_cma.h>
                int main(void) {
                """);
        for (Row r : ROWS) {
            if (r.member().isEmpty()) {
                c.append("  printf(\"%s|%zu|%zu|%zu\\n\", \"").append(r.key()).append("\", (size_t) 0, sizeof(")
                        .append(r.cType()).append("), _Alignof(").append(r.cType()).append("));\n");
            } else {
                c.append("  printf(\"%s|%zu|%zu|0\\n\", \"").append(r.key()).append("\", offsetof(")
                        .append(r.cType()).append(", ").append(r.member()).append("), sizeof(((")
                        .append(r.cType()).append(" *) 0)->").append(r.member()).append("));\n");
            }
        }
        for (String name : CONSTANTS.keySet()) {
            c.append("  printf(\"#%s|%lld\\n\", \"").append(name).append("\", (long long) (").append(name)
                    .append("));\n");
        }
        c.append("  return 0;\n}\n");
        Path source = dir.resolve("layouts.c");
        Path binary = dir.resolve("layouts");
        Files.writeString(source, c);

        Run gcc;
        try {
            gcc = run(List.of("gcc", "-std=gnu11", "-Wall", "-o", binary.toString(), source.toString()));
        } catch (IOException e) {
            fail("gcc is not installed; the layout test compiles C against the rdma-core headers. "
                    + "Install: apt-get install gcc libibverbs-dev librdmacm-dev (" + e.getMessage() + ")");
            return;
        }
        if (gcc.exit() != 0) {
            String hint = gcc.output().contains("infiniband/verbs.h") ? "apt-get install libibverbs-dev"
                    : gcc.output().contains("rdma/rdma_cma.h") ? "apt-get install librdmacm-dev"
                    : "a layout names a member the headers do not have";
            fail("compiling the layout probe failed (" + hint + "):\n" + gcc.output() + "\nsource: " + source);
        }
        Run probe = run(List.of(binary.toString()));
        assertEquals(0, probe.exit(), probe.output());
        for (String line : probe.output().split("\n")) {
            String[] f = line.split("\\|");
            if (line.startsWith("#")) {
                MEASURED_CONSTANTS.put(f[0].substring(1), Long.parseLong(f[1]));
            } else if (f.length == 4) {
                MEASURED.put(f[0], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])});
            }
        }
    }

    /** Every named member of {@code group}, depth first, with C member paths (anonymous unions left out). */
    private static void members(String type, String path, GroupLayout group, long base) {
        long offset = 0;
        for (MemoryLayout m : group.memberLayouts()) {
            long at = base + (group instanceof UnionLayout ? 0 : offset);
            offset += m.byteSize();
            if (m instanceof PaddingLayout) {
                continue;
            }
            String name = m.name().orElseThrow(() -> new AssertionError("unnamed member in " + type + " " + path));
            boolean anonymous = name.startsWith(Layouts.ANONYMOUS);
            String memberPath = anonymous ? path : path.isEmpty() ? name : path + "." + name;
            if (!anonymous) {
                ROWS.add(new Row(type, memberPath, at, m.byteSize(), 0));
            }
            if (m instanceof GroupLayout g) {
                members(type, memberPath, g, at);
            }
        }
    }

    record Run(int exit, String output) {}

    private static Run run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        return new Run(p.exitValue(), out);
    }

    @Test
    void everyStructSizeAndAlignmentMatchesTheHeaders() {
        List<String> wrong = new ArrayList<>();
        for (Row r : ROWS) {
            if (!r.member().isEmpty()) {
                continue;
            }
            long[] c = MEASURED.get(r.key());
            if (c == null || c[1] != r.size() || c[2] != r.alignment()) {
                wrong.add(r.cType() + ": Java size " + r.size() + " align " + r.alignment() + ", C "
                        + (c == null ? "missing" : "size " + c[1] + " align " + c[2]));
            }
        }
        assertTrue(wrong.isEmpty(), "struct sizes differ from the headers:\n" + String.join("\n", wrong));
    }

    @Test
    void everyFieldOffsetAndSizeMatchesTheHeaders() {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Row r : ROWS) {
            if (r.member().isEmpty()) {
                continue;
            }
            checked++;
            long[] c = MEASURED.get(r.key());
            if (c == null || c[0] != r.offset() || c[1] != r.size()) {
                wrong.add(r.key() + ": Java offset " + r.offset() + " size " + r.size() + ", C "
                        + (c == null ? "missing" : "offset " + c[0] + " size " + c[1]));
            }
        }
        assertTrue(wrong.isEmpty(), "fields differ from the headers:\n" + String.join("\n", wrong));
        assertTrue(checked > 300, "only " + checked + " fields checked");
    }

    @Test
    void everyConstantMatchesTheHeaders() {
        List<String> wrong = new ArrayList<>();
        CONSTANTS.forEach((name, value) -> {
            Long c = MEASURED_CONSTANTS.get(name);
            if (!value.equals(c)) {
                wrong.add(name + ": Java " + value + ", C " + c);
            }
        });
        assertTrue(wrong.isEmpty(), "constants differ from the headers:\n" + String.join("\n", wrong));
        assertTrue(CONSTANTS.size() > 100, "only " + CONSTANTS.size() + " constants checked");
    }

    @Test
    void sendWrIs128BytesAsInCurrentRdmaCore() {
        assertEquals(128, Layouts.IBV_SEND_WR.byteSize());
        assertEquals(48, Layouts.IBV_WC.byteSize());
        assertEquals(16, Layouts.IBV_GID.byteSize());
    }
}
