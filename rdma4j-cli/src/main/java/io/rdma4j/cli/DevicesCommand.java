package io.rdma4j.cli;

import io.rdma4j.spi.DeviceDescription;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rdma4j devices}: every provider, whether it can run here (and if not, why and what to
 * do), and its devices with ports, GIDs and state, as the providers describe them. Exits 1 when
 * no provider can run.
 */
@Command(name = "devices", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class, description = {"List every provider, its availability, devices, ports, GIDs and state.",
        "Exits 1 when no provider can run here."})
public final class DevicesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Option(names = "--verbose", description = "Show stack traces on failure.")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<ProviderInfo> providers = ProviderInfo.all();
        if (json) {
            out.println(Json.write(toJson(providers)));
        } else {
            print(out, providers);
        }
        return providers.stream().anyMatch(p -> p.availability().available()) ? Main.OK : Main.FAILED;
    }

    static Map<String, Object> toJson(List<ProviderInfo> providers) {
        List<Object> list = new ArrayList<>();
        for (ProviderInfo p : providers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("priority", p.priority());
            m.put("available", p.availability().available());
            m.put("reason", p.availability().reason());
            m.put("hint", p.availability().hint());
            List<Object> devices = new ArrayList<>();
            for (DeviceDescription d : p.devices()) {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("device", d.device());
                dm.put("usable", d.usable());
                dm.put("attributes", d.attributes());
                dm.put("ports", d.ports());
                devices.add(dm);
            }
            m.put("devices", devices);
            list.add(m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("rdma4j", VersionCommand.rdma4jVersion());
        root.put("providers", list);
        return root;
    }

    static void print(PrintWriter out, List<ProviderInfo> providers) {
        if (providers.isEmpty()) {
            out.println("no provider found on the module path (rdma4j-tcp is the embedded default; is it on the path?)");
            return;
        }
        for (ProviderInfo p : providers) {
            out.println("provider " + p.name() + " (priority " + p.priority() + "): "
                    + (p.availability().available() ? "available" : "unavailable"));
            if (!p.availability().available()) {
                out.println("  reason: " + p.availability().reason());
                if (!p.availability().hint().isEmpty()) {
                    out.println("  hint:   " + p.availability().hint());
                }
            }
            if (p.devices().isEmpty()) {
                out.println("  no devices");
            }
            for (DeviceDescription d : p.devices()) {
                out.println("  device " + d.device() + (d.usable() ? "" : " (not usable)"));
                int w = d.attributes().keySet().stream().mapToInt(String::length).max().orElse(0);
                d.attributes().forEach((k, v) -> out.println("    " + pad(k, w) + "  " + v));
                int n = 1;
                for (Map<String, String> port : d.ports()) {
                    String id = port.getOrDefault("port", String.valueOf(n));
                    out.println("    port " + id);
                    int pw = port.keySet().stream().mapToInt(String::length).max().orElse(0);
                    port.forEach((k, v) -> {
                        if (!k.equals("port")) {
                            out.println("      " + pad(k, pw) + "  " + v);
                        }
                    });
                    n++;
                }
            }
        }
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - s.length()));
    }
}
