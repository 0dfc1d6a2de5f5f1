package io.rdma4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code rdma4j version}: rdma4j's version, the Java running it, and the providers found. */
@Command(name = "version", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class, description = "Print rdma4j's version, the Java version and the providers found.")
public final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Option(names = "--verbose", description = "Show stack traces on failure.")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (String line : lines()) {
            out.println(line);
        }
        return Main.OK;
    }

    /** rdma4j's version from the build, {@code unknown} when run from unpackaged classes. */
    public static String rdma4jVersion() {
        try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "");
                if (!v.isBlank() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    static List<String> lines() {
        List<String> l = new ArrayList<>();
        l.add("rdma4j " + rdma4jVersion());
        l.add("java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")");
        l.add("os " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        List<ProviderInfo> providers = ProviderInfo.all();
        if (providers.isEmpty()) {
            l.add("providers: none found (put rdma4j-tcp on the module path)");
        } else {
            l.add("providers:");
            for (ProviderInfo p : providers) {
                l.add("  " + p.name() + " (priority " + p.priority() + "): " + p.state());
            }
        }
        return l;
    }

    /** For {@code rdma4j --version}. */
    public static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines().toArray(String[]::new);
        }
    }
}
