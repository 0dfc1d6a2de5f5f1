package io.rdma4j.cli;

import java.io.PrintWriter;

/**
 * A one-line progress display on stderr, redrawn in place, shown only on a terminal or when
 * asked for ({@code --progress}); otherwise every call does nothing. Redraws at most ten times a
 * second, so calling it from a measuring loop costs a clock read.
 */
public final class Progress implements AutoCloseable {
    private static final long REDRAW_NANOS = 100_000_000L;
    private final PrintWriter err;
    private final boolean enabled;
    private final String label;
    private long lastDraw;
    private int lastWidth;

    /**
     * @param err where to draw
     * @param forced true for {@code --progress}: draw even when stderr is not a terminal
     * @param label what is in progress
     */
    public Progress(PrintWriter err, boolean forced, String label) {
        this.err = err;
        this.enabled = forced || isTerminal();
        this.label = label;
    }

    /** Whether a person is watching: the JVM has a console attached to a terminal. */
    public static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Whether anything is drawn: callers in a measuring loop skip building the detail otherwise. */
    public boolean shown() {
        return enabled;
    }

    /**
     * Redraws when due.
     *
     * @param fraction done, 0..1
     * @param detail a short status, e.g. the rate so far
     */
    public void update(double fraction, String detail) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS && fraction < 1) {
            return;
        }
        lastDraw = now;
        int width = 24;
        double f = Math.clamp(fraction, 0, 1);
        int filled = (int) Math.round(f * width);
        String line = "\r" + label + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "] "
                + String.format("%3d%%", (int) Math.round(f * 100)) + (detail.isEmpty() ? "" : "  " + detail);
        int pad = Math.max(0, lastWidth - line.length());
        lastWidth = line.length();
        err.print(line + " ".repeat(pad));
        err.flush();
    }

    /** Clears the line. */
    @Override
    public void close() {
        if (enabled && lastWidth > 0) {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
            err.flush();
            lastWidth = 0;
        }
    }
}
