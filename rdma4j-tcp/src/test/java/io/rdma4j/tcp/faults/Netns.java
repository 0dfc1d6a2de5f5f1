package io.rdma4j.tcp.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A network namespace joined to this one by a veth pair: {@link #hostAddress} here,
 * {@link #peerAddress} inside. {@link #cut} takes the host end down (no FIN, no RST: the peer
 * simply goes silent). {@link #close} removes both, even half-made.
 */
final class Netns implements AutoCloseable {
    final String name;
    final String hostIf;
    final String peerIf;
    final String hostAddress;
    final String peerAddress;

    private Netns(String tag, int subnet) {
        name = "rdma4j-" + tag;
        hostIf = "r4h" + tag;
        peerIf = "r4p" + tag;
        hostAddress = "10.231." + subnet + ".1";
        peerAddress = "10.231." + subnet + ".2";
    }

    /** Why namespaces cannot be used here, or null when they can. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "network namespaces need root (running as " + System.getProperty("user.name") + ")";
        }
        if (List.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip").stream().noneMatch(p -> Files.isExecutable(Path.of(p)))) {
            return "the ip command (iproute2) is not installed";
        }
        try {
            String probe = "rdma4j-probe" + ProcessHandle.current().pid();
            if (Sh.run("ip", "netns", "add", probe) != 0) {
                return "ip netns add failed: " + Sh.lastOutput.trim();
            }
            Sh.run("ip", "netns", "del", probe);
        } catch (IOException e) {
            return "ip netns unavailable: " + e.getMessage();
        }
        return null;
    }

    static Netns create() throws IOException {
        long pid = ProcessHandle.current().pid();
        Netns n = new Netns(Long.toString(pid % 100_000) + (int) (Math.random() * 10), (int) (pid % 250) + 1);
        try {
            Sh.check("ip", "netns", "add", n.name);
            Sh.check("ip", "link", "add", n.hostIf, "type", "veth", "peer", "name", n.peerIf);
            Sh.check("ip", "link", "set", n.peerIf, "netns", n.name);
            Sh.check("ip", "addr", "add", n.hostAddress + "/30", "dev", n.hostIf);
            Sh.check("ip", "link", "set", n.hostIf, "up");
            Sh.check("ip", "netns", "exec", n.name, "ip", "addr", "add", n.peerAddress + "/30", "dev", n.peerIf);
            Sh.check("ip", "netns", "exec", n.name, "ip", "link", "set", n.peerIf, "up");
            Sh.check("ip", "netns", "exec", n.name, "ip", "link", "set", "lo", "up");
            return n;
        } catch (IOException | RuntimeException e) {
            n.close();
            throw e;
        }
    }

    List<String> exec() {
        return List.of("ip", "netns", "exec", name);
    }

    /** The cable is pulled: the host end goes down, nothing is sent to the peer. */
    void cut() throws IOException {
        Sh.check("ip", "link", "set", hostIf, "down");
    }

    @Override
    public void close() throws IOException {
        Sh.run("ip", "link", "del", hostIf); // takes the peer end with it
        Sh.run("ip", "netns", "del", name);
    }
}
