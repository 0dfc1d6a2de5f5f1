package io.rdma4j.tcp.faults;

import io.rdma4j.Access;
import io.rdma4j.Connection;
import io.rdma4j.Listener;
import io.rdma4j.LocalMr;
import io.rdma4j.Rdma;
import io.rdma4j.RdmaContext;
import io.rdma4j.RdmaOptions;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The far side of a fault test, in its own JVM (maybe inside a network namespace): listens on
 * the address given, accepts one connection, grants it {@link #REGION} bytes, posts no receive,
 * and waits until its stdin closes (or two minutes pass). Prints {@code READY <port>} once listening.
 */
public final class FaultPeer {
    static final int REGION = 4 << 20;

    private FaultPeer() {}

    public static void main(String[] args) throws IOException {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(2));
            } catch (InterruptedException ignored) {
                // exit anyway
            }
            Runtime.getRuntime().halt(3);
        });
        try (RdmaContext ctx = Rdma.open(RdmaOptions.builder().provider("tcp").build());
             Listener l = ctx.listen(new InetSocketAddress(args[0], 0))) {
            System.out.println("READY " + l.localAddress().getPort());
            System.out.flush();
            try (Connection c = l.accept(Duration.ofSeconds(60)); LocalMr mr = ctx.allocate(REGION)) {
                c.grant(mr, Access.REMOTE_ALL, Duration.ofMinutes(10));
                while (System.in.read() >= 0) {
                    // wait for the test to let us go
                }
            }
        }
        Runtime.getRuntime().halt(0);
    }

    /**
     * Starts a peer JVM with the test classpath, optionally behind a command prefix
     * (e.g. {@code ip netns exec NS}), and waits for its port.
     */
    static Started start(List<String> prefix, String bindHost) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx256m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(FaultPeer.class.getName());
        cmd.add(bindHost);
        Path err = Files.createTempFile("rdma4j-faultpeer", ".log");
        Process p = new ProcessBuilder(cmd).redirectError(Redirect.to(err.toFile())).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        String line = out.readLine();
        if (line == null || !line.startsWith("READY ")) {
            p.destroyForcibly();
            throw new IOException("the peer JVM did not start (" + cmd + "): " + line + "\n" + Files.readString(err));
        }
        return new Started(p, new InetSocketAddress(bindHost, Integer.parseInt(line.substring(6).trim())), err);
    }

    record Started(Process process, InetSocketAddress address, Path log) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            signal("CONT");
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.deleteIfExists(log);
        }

        void signal(String sig) throws IOException {
            Sh.run("kill", "-" + sig, Long.toString(process.pid()));
        }
    }
}
