package io.rdma4j.tcp.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Runs a command and returns its exit status; output goes into the exception on failure. */
final class Sh {
    private Sh() {}

    static int run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                lastOutput = out;
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    static String lastOutput = "";

    static void check(String... cmd) throws IOException {
        if (run(cmd) != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + lastOutput);
        }
    }
}
