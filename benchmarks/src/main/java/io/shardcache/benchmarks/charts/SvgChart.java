package io.shardcache.benchmarks.charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Small, dependency-free SVG charts for the benchmark report: percentile curves and grouped bars.
 * A chart is a plot area with a value axis (linear from 0, or log 10) and a legend; the output is a
 * standalone SVG document. Not thread-safe; build one chart per call.
 */
public final class SvgChart {

    static final int WIDTH = 760, HEIGHT = 420, LEFT = 80, RIGHT = 180, TOP = 40, BOTTOM = 60;
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"};

    private SvgChart() {
    }

    /** A value axis: maps values to plot heights in [0, 1]. */
    record Scale(double min, double max, boolean log) {
        Scale {
            if (log && !(min > 0))
                throw new IllegalArgumentException("a log scale needs positive values, got a minimum of " + min);
            if (!(max > min))
                throw new IllegalArgumentException("a scale needs max > min, got [" + min + ", " + max + "]");
        }

        double fraction(double v) {
            if (log) {
                if (!(v > 0))
                    throw new IllegalArgumentException("a log scale cannot show " + v);
                return (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
            }
            return (v - min) / (max - min);
        }

        /** Ticks: each power of ten (log), or about five round steps (linear). */
        List<Double> ticks() {
            List<Double> out = new ArrayList<>();
            if (log) {
                for (double t = Math.pow(10, Math.floor(Math.log10(min))); t <= max * 1.0001; t *= 10)
                    if (t >= min * 0.9999)
                        out.add(t);
                return out;
            }
            double step = roundStep((max - min) / 5);
            for (double t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
                out.add(t);
            return out;
        }

        /** A log scale from the power of ten at or below the smallest value to the one at or above the largest. */
        static Scale logOf(double smallest, double largest) {
            return new Scale(Math.pow(10, Math.floor(Math.log10(smallest))), Math.pow(10, Math.ceil(Math.log10(largest))), true);
        }

        static Scale linearOf(double largest) {
            double step = roundStep(largest / 5);
            return new Scale(0, Math.max(step, Math.ceil(largest / step) * step), false);
        }

        private static double roundStep(double raw) {
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double r = raw / magnitude;
            return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
        }
    }

    /**
     * Percentile curves: x is the percentile on a "nines" scale (0, 90, 99, 99.9, ...), y the value
     * on a log scale.
     *
     * @param sortedSeries per series, its values sorted ascending (at least one each, all positive)
     * @param maxNines     how far right the x axis goes: 4 shows up to p99.99
     */
    public static String percentiles(String title, String yLabel, Map<String, double[]> sortedSeries, int maxNines) {
        if (sortedSeries.isEmpty())
            throw new IllegalArgumentException("a chart needs at least one series");
        double lo = Double.MAX_VALUE, hi = 0;
        for (Map.Entry<String, double[]> e : sortedSeries.entrySet()) {
            double[] v = e.getValue();
            if (v.length == 0)
                throw new IllegalArgumentException("series '" + e.getKey() + "' has no values");
            lo = Math.min(lo, v[0]);
            hi = Math.max(hi, v[v.length - 1]);
        }
        Scale y = Scale.logOf(lo, hi);
        Svg svg = new Svg(title);
        svg.valueAxis(y, yLabel);
        for (int n = 0; n <= maxNines; n++) {
            double px = LEFT + plotWidth() * n / (double) maxNines;
            svg.vline(px);
            svg.text(px, TOP + plotHeight() + 18, "middle", n == 0 ? "p0" : "p" + nines(n));
        }
        svg.text(LEFT + plotWidth() / 2.0, HEIGHT - 12, "middle", "percentile");
        int i = 0;
        for (Map.Entry<String, double[]> e : sortedSeries.entrySet()) {
            double[] v = e.getValue();
            StringBuilder path = new StringBuilder();
            double lastX = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < v.length; k++) {
                double p = (k + 1.0) / v.length;   // the share of values at or below v[k]
                double nines = p >= 1 ? maxNines : Math.min(maxNines, -Math.log10(1 - p));
                double px = LEFT + plotWidth() * nines / maxNines;
                boolean end = p >= 1 || nines >= maxNines;
                if (px - lastX >= 1 || end) {   // a point per pixel column is all the eye can see
                    double py = TOP + plotHeight() * (1 - y.fraction(v[k]));
                    path.append(path.isEmpty() ? "M" : "L").append(fmt(px)).append(',').append(fmt(py));
                    lastX = px;
                }
                if (end)
                    break;
            }
            svg.path(path.toString(), COLORS[i % COLORS.length]);
            svg.legend(i, e.getKey(), COLORS[i % COLORS.length]);
            i++;
        }
        return svg.end();
    }

    /**
     * Grouped bars: one group per category, one bar per series in each group, with its value printed
     * above it.
     *
     * @param series per series, one value per category (positive for a log scale)
     */
    public static String bars(String title, String yLabel, List<String> categories, Map<String, double[]> series, boolean logY) {
        if (categories.isEmpty() || series.isEmpty())
            throw new IllegalArgumentException("a bar chart needs at least one category and one series");
        double lo = Double.MAX_VALUE, hi = 0;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            if (e.getValue().length != categories.size())
                throw new IllegalArgumentException("series '" + e.getKey() + "' has " + e.getValue().length
                    + " values for " + categories.size() + " categories");
            for (double v : e.getValue()) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        Scale y = logY ? Scale.logOf(lo, hi) : Scale.linearOf(hi);
        Svg svg = new Svg(title);
        svg.valueAxis(y, yLabel);
        double group = plotWidth() / (double) categories.size();
        double bar = group * 0.8 / series.size();
        for (int c = 0; c < categories.size(); c++)
            svg.text(LEFT + group * (c + 0.5), TOP + plotHeight() + 18, "middle", categories.get(c));
        int s = 0;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            String color = COLORS[s % COLORS.length];
            for (int c = 0; c < categories.size(); c++) {
                double v = e.getValue()[c];
                double top = TOP + plotHeight() * (1 - Math.max(0, y.fraction(v)));
                double x = LEFT + group * c + group * 0.1 + bar * s;
                svg.rect(x, top, bar - 2, TOP + plotHeight() - top, color);
                svg.text(x + (bar - 2) / 2, top - 4, "middle", label(v));
            }
            svg.legend(s, e.getKey(), color);
            s++;
        }
        return svg.end();
    }

    static int plotWidth() {
        return WIDTH - LEFT - RIGHT;
    }

    static int plotHeight() {
        return HEIGHT - TOP - BOTTOM;
    }

    private static String nines(int n) {
        return n == 1 ? "90" : "99" + (n > 2 ? "." + "9".repeat(n - 2) : "");
    }

    static String label(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e7)
            return String.format(Locale.ROOT, "%,d", (long) v);
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : v >= 10 ? String.format(Locale.ROOT, "%.1f", v)
            : String.format(Locale.ROOT, "%.2f", v);
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** The document being written. */
    private static final class Svg {
        private final StringBuilder out = new StringBuilder();

        Svg(String title) {
            out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
            out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
            text(WIDTH / 2.0, 22, "middle", title);
        }

        void valueAxis(Scale y, String label) {
            for (double t : y.ticks()) {
                double py = TOP + plotHeight() * (1 - y.fraction(t));
                out.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + plotWidth()).append("\" y1=\"").append(fmt(py))
                    .append("\" y2=\"").append(fmt(py)).append("\" stroke=\"#ddd\"/>\n");
                text(LEFT - 6, py + 4, "end", label(t));
            }
            out.append("<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(plotWidth())
                .append("\" height=\"").append(plotHeight()).append("\" fill=\"none\" stroke=\"#444\"/>\n");
            out.append("<text transform=\"translate(18,").append(TOP + plotHeight() / 2).append(") rotate(-90)\" text-anchor=\"middle\">")
                .append(escape(label)).append("</text>\n");
        }

        void vline(double x) {
            out.append("<line x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x)).append("\" y1=\"").append(TOP)
                .append("\" y2=\"").append(TOP + plotHeight()).append("\" stroke=\"#eee\"/>\n");
        }

        void path(String d, String color) {
            out.append("<path d=\"").append(d).append("\" fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\"/>\n");
        }

        void rect(double x, double y, double w, double h, String color) {
            out.append("<rect x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y)).append("\" width=\"").append(fmt(w))
                .append("\" height=\"").append(fmt(h)).append("\" fill=\"").append(color).append("\"/>\n");
        }

        void legend(int i, String name, String color) {
            double x = WIDTH - RIGHT + 14, y = TOP + 10 + i * 20;
            rect(x, y - 9, 12, 12, color);
            text(x + 18, y + 2, "start", name);
        }

        void text(double x, double y, String anchor, String s) {
            out.append("<text x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y)).append("\" text-anchor=\"").append(anchor)
                .append("\">").append(escape(s)).append("</text>\n");
        }

        String end() {
            return out.append("</svg>\n").toString();
        }

        private static String escape(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }
    }
}
