package io.rdma4j.verbs.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real tool (ibv_rc_pingpong, rping) run as a process, its stdout and stderr collected apart
 * (rping writes ping lines to stdout and events to stderr: merged, they split each other's lines).
 */
final class Tool implements AutoCloseable {
    private final String name;
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final StringBuffer errors = new StringBuffer();
    private final Thread reader;
    private final Thread errorReader;

    private Tool(String name, Process process) {
        this.name = name;
        this.process = process;
        this.reader = drain(name + "-out", process.getInputStream(), output);
        this.errorReader = drain(name + "-err", process.getErrorStream(), errors);
    }

    private static Thread drain(String name, java.io.InputStream in, StringBuffer into) {
        return Thread.ofPlatform().daemon().name("tool-" + name).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    into.append(line).append('\n');
                }
            } catch (IOException e) {
                into.append("[reading failed: ").append(e).append("]\n");
            }
        });
    }

    /** Both streams, for messages: stdout, then stderr; long lines cut. */
    String report() {
        StringBuilder b = new StringBuilder();
        for (String line : (output + "--- stderr:\n" + errors).split("\n")) {
            b.append(line.length() > 140 ? line.substring(0, 140) + "..." : line).append('\n');
        }
        return b.toString();
    }

    static Tool start(String... command) {
        try {
            System.out.println("interop: starting " + String.join(" ", command));
            Process p = new ProcessBuilder(List.of(command)).start();
            return new Tool(command[0], p);
        } catch (IOException e) {
            throw new AssertionError("cannot start " + command[0] + " (installed in the guest by scripts/softroce): "
                    + e.getMessage(), e);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Waits for the exit; a tool still running after {@code timeout} is killed and fails the test. */
    int await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            reader.join(2000);
            errorReader.join(2000);
            throw new AssertionError(name + " did not finish in " + timeout + "; its output:\n" + report());
        }
        reader.join(5000);
        errorReader.join(5000);
        int rc = process.exitValue();
        System.out.println("interop: " + name + " exited " + rc + ":\n" + report());
        return rc;
    }

    /** stdout. */
    String output() {
        return output.toString();
    }

    /** stderr. */
    String errors() {
        return errors.toString();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return name + " (" + (process.isAlive() ? "running" : "exit " + process.exitValue()) + ")";
    }
}
