package io.rdma4j.cli;

import io.rdma4j.ConnectionException;
import io.rdma4j.OperationTimeoutException;
import io.rdma4j.ProviderUnavailableException;
import io.rdma4j.cli.perf.PerfCommand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code rdma4j} command. Exit status: 0 when everything worked, 1 when a check or a run
 * failed, 2 for a usage error (a bad flag, an unreachable peer, a missing provider), each
 * reported as one line on stderr; {@code --verbose} adds the stack trace and the library's
 * informational log records ({@link CliLog}).
 */
@Command(name = "rdma4j", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Safe, asynchronous RDMA for Java: try it, list devices, measure.",
        subcommands = {DemoCommand.class, DevicesCommand.class, VersionCommand.class, PerfCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit status: 0 ok, 1 a check or run failed, 2 usage error (bad flag, unreachable peer, missing provider)."})
public final class Main implements Callable<Integer> {
    /** Success. */
    public static final int OK = 0;
    /** A check or a run failed. */
    public static final int FAILED = 1;
    /** The command line, the peer or the provider is wrong: nothing was measured. */
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: one of demo, devices, version, perf (see rdma4j --help)");
    }

    /**
     * Runs the command and exits with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        int status = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(status);
    }

    /**
     * Runs the command without exiting: what tests call.
     *
     * @param args the command line
     * @param out standard output
     * @param err standard error
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = List.of(args).contains("--verbose");
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(o);
        cl.setErr(e);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            String where = ex.getCommandLine().getCommandSpec().qualifiedName();
            e.println(where + ": " + firstLine(ex.getMessage()) + " (see " + where + " --help)");
            if (verbose) {
                ex.printStackTrace(e);
            }
            e.flush();
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            String where = commandLine.getCommandSpec().qualifiedName();
            int status = statusOf(ex);
            e.println(where + ": " + describe(ex));
            if (verbose) {
                ex.printStackTrace(e);
            }
            e.flush();
            return status;
        });
        int status;
        try (CliLog _ = CliLog.install(e, verbose)) {
            status = cl.execute(args);
        }
        o.flush();
        e.flush();
        return status;
    }

    /** Usage errors: nothing ran because the command line, the peer or the provider is wrong. */
    public static int statusOf(Throwable ex) {
        if (ex instanceof UsageException || ex instanceof ProviderUnavailableException
                || ex instanceof ConnectionException || ex instanceof IllegalArgumentException) {
            return USAGE;
        }
        if (ex instanceof OperationTimeoutException && ex.getMessage() != null && ex.getMessage().contains("connect")) {
            return USAGE;
        }
        return FAILED;
    }

    /** One line a user can act on. */
    public static String describe(Throwable ex) {
        String msg = ex.getMessage();
        if (ex instanceof UsageException || ex instanceof ProviderUnavailableException || ex instanceof ConnectionException) {
            return firstLine(msg);
        }
        String type = ex.getClass().getSimpleName();
        return msg == null || msg.isBlank() ? type : firstLine(msg) + " [" + type + "]";
    }

    public static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
