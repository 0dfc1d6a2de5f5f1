package io.rdma4j.cli.perf;

import java.util.List;
import java.util.Locale;

/**
 * A plain SVG chart of a sweep ({@code -a}): bandwidth against message size above, latency
 * against message size below, both on logarithmic axes. Written with string building, so any
 * browser or image viewer opens it.
 */
public final class Svg {
    private static final int W = 760;
    private static final int PANEL_H = 260;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 64;
    private static final int GAP = 70;

    private Svg() {}

    /**
     * Draws the chart.
     *
     * @param title what ran, e.g. {@code write_bw over tcp}
     * @param results one per size, ascending
     * @return the SVG document
     */
    public static String chart(String title, List<PerfResult> results) {
        StringBuilder sb = new StringBuilder();
        int h = TOP + 2 * PANEL_H + GAP + 60;
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(h)
                .append("\" viewBox=\"0 0 ").append(W).append(' ').append(h)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append("<text x=\"").append(W / 2).append("\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">")
                .append(escape(title)).append("</text>\n");
        boolean bw = results.isEmpty() || results.getFirst().isBandwidth();
        double[] xs = results.stream().mapToDouble(PerfResult::bytes).toArray();
        double[] bws = results.stream().mapToDouble(PerfResult::chartBandwidth).toArray();
        double[] lats = results.stream().mapToDouble(PerfResult::chartLatency).toArray();
        panel(sb, TOP, xs, bws, bw ? "BW average [MB/sec]" : "bandwidth, size / t_typical [MB/sec]", "#1f77b4");
        panel(sb, TOP + PANEL_H + GAP, xs, lats, bw ? "time per message, 1 / MsgRate [usec]" : "t_typical [usec]", "#d62728");
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void panel(StringBuilder sb, int top, double[] xs, double[] ys, String label, String color) {
        int plotW = W - LEFT - RIGHT;
        double xMin = log2(min(xs, 2));
        double xMax = log2(max(xs, 4));
        if (xMax <= xMin) {
            xMax = xMin + 1;
        }
        double yLo = Math.floor(Math.log10(Math.max(min(ys, 1e-3), 1e-3)));
        double yHi = Math.ceil(Math.log10(Math.max(max(ys, 1), 1e-3)));
        if (yHi <= yLo) {
            yHi = yLo + 1;
        }
        sb.append("<g>\n");
        sb.append(rect(LEFT, top, plotW, PANEL_H));
        sb.append("<text x=\"").append(LEFT).append("\" y=\"").append(top - 8).append("\" font-size=\"13\">")
                .append(escape(label)).append("</text>\n");
        // y grid: decades
        for (double d = yLo; d <= yHi + 1e-9; d++) {
            double y = top + PANEL_H - (d - yLo) / (yHi - yLo) * PANEL_H;
            sb.append(line(LEFT, y, LEFT + plotW, y, "#dddddd"));
            sb.append(text(LEFT - 6, y + 4, "end", number(Math.pow(10, d))));
        }
        // x grid: every power of two, labelled every other one
        for (int e = (int) Math.ceil(xMin); e <= (int) Math.floor(xMax); e++) {
            double x = LEFT + (e - xMin) / (xMax - xMin) * plotW;
            sb.append(line(x, top, x, top + PANEL_H, "#eeeeee"));
            if ((e - (int) Math.ceil(xMin)) % 2 == 0 || xMax - xMin < 8) {
                sb.append(text(x, top + PANEL_H + 16, "middle", size(1L << e)));
            }
        }
        sb.append(text(LEFT + plotW / 2.0, top + PANEL_H + 34, "middle", "message size [bytes]"));
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < xs.length; i++) {
            if (!(ys[i] > 0)) {
                continue;
            }
            double x = LEFT + (log2(xs[i]) - xMin) / (xMax - xMin) * plotW;
            double y = top + PANEL_H - (Math.log10(ys[i]) - yLo) / (yHi - yLo) * PANEL_H;
            pts.append(fmt(x)).append(',').append(fmt(y)).append(' ');
            sb.append("<circle cx=\"").append(fmt(x)).append("\" cy=\"").append(fmt(y)).append("\" r=\"3\" fill=\"")
                    .append(color).append("\"><title>").append(size((long) xs[i])).append(": ")
                    .append(escape(String.format(Locale.ROOT, "%.3f", ys[i]))).append("</title></circle>\n");
        }
        if (!pts.isEmpty()) {
            sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\" points=\"")
                    .append(pts.toString().trim()).append("\"/>\n");
        }
        sb.append("</g>\n");
    }

    private static String rect(double x, double y, double w, double h) {
        return "<rect x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" width=\"" + fmt(w) + "\" height=\"" + fmt(h)
                + "\" fill=\"none\" stroke=\"#888888\"/>\n";
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return "<line x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" + fmt(y2)
                + "\" stroke=\"" + color + "\"/>\n";
    }

    private static String text(double x, double y, String anchor, String s) {
        return "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" text-anchor=\"" + anchor + "\">" + escape(s) + "</text>\n";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String number(double v) {
        if (v >= 1) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%s", v < 0.01 ? String.format(Locale.ROOT, "%.0e", v) : String.valueOf(v));
    }

    /** 2, 64, 1K, 64K, 8M. */
    static String size(long bytes) {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
            return (bytes >> 10) + "K";
        }
        return Long.toString(bytes);
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    private static double min(double[] a, double fallback) {
        double m = Double.MAX_VALUE;
        for (double v : a) {
            if (v > 0) {
                m = Math.min(m, v);
            }
        }
        return m == Double.MAX_VALUE ? fallback : m;
    }

    private static double max(double[] a, double fallback) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, v);
        }
        return m == 0 ? fallback : m;
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
