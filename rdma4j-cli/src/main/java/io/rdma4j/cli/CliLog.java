package io.rdma4j.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The library's log records (System.Logger, which goes to java.util.logging) while a command
 * runs: one line each on the command's stderr, {@code rdma4j: warning: ...}, warnings and worse
 * only unless {@code --verbose}. The JDK's console handler prints two lines per record, a date
 * line and the message, so an unreachable peer would read as three lines (the provider choice
 * and the error) where the command promises one. Closing puts the JDK's handlers back.
 */
final class CliLog implements AutoCloseable {
    private static final Logger ROOT = Logger.getLogger("");

    private final Handler[] saved;
    private final Handler oneLine;

    private CliLog(PrintWriter err, boolean verbose) {
        this.saved = ROOT.getHandlers();
        Formatter message = new SimpleFormatter(); // only for formatMessage: the record's parameters
        this.oneLine = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (!isLoggable(r)) {
                    return;
                }
                String level = r.getLevel() == Level.SEVERE ? "error" : r.getLevel().getName().toLowerCase(Locale.ROOT);
                Throwable t = r.getThrown();
                synchronized (err) {
                    err.println("rdma4j: " + level + ": " + message.formatMessage(r)
                            + (t != null && !verbose ? " (" + t + ")" : ""));
                    if (t != null && verbose) {
                        t.printStackTrace(err);
                    }
                    err.flush();
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {}
        };
        oneLine.setLevel(verbose ? Level.INFO : Level.WARNING);
        for (Handler h : saved) {
            ROOT.removeHandler(h);
        }
        ROOT.addHandler(oneLine);
    }

    /**
     * @param err the command's stderr
     * @param verbose whether informational records print too
     * @return the installed routing; close it when the command is done
     */
    static CliLog install(PrintWriter err, boolean verbose) {
        return new CliLog(err, verbose);
    }

    @Override
    public void close() {
        ROOT.removeHandler(oneLine);
        for (Handler h : saved) {
            ROOT.addHandler(h);
        }
    }
}
