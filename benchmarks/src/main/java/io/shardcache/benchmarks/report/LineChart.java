package io.shardcache.benchmarks.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A chart of lines over two {@link Axis axes}, with dashed horizontal reference lines, rendered as a
 * standalone SVG document. Each line's points are checked against the axes when it is added: a
 * point an axis cannot place (a 0 on a log axis, say) is refused there, with the line's name, not
 * drawn off the chart. Not thread-safe; build one chart per document.
 *
 * <pre>
 * String svg = new LineChart("Latency", "", new Axis("percentile", new Scale.Nines(4)),
 *         new Axis("µs (log scale)", Scale.Log.covering(1, 10_000)))
 *     .line("redis", percentiles, micros)
 *     .render();
 * </pre>
 */
public final class LineChart {

    private record Line(String name, double[] xs, double[] ys) {
    }

    private record Reference(String name, double y) {
    }

    private final String title;
    private final String subtitle;
    private final Axis x;
    private final Axis y;
    private final List<Line> lines = new ArrayList<>();
    private final List<Reference> references = new ArrayList<>();

    /** @param subtitle a line under the title, or "" for none */
    public LineChart(String title, String subtitle, Axis x, Axis y) {
        this.title = title;
        this.subtitle = subtitle;
        this.x = x;
        this.y = y;
    }

    /**
     * Adds a line through the points {@code (xs[i], ys[i])}, in that order.
     *
     * @throws IllegalArgumentException if the arrays are empty or differ in length, or an axis
     *                                  cannot place a point; the message names the line and the point
     */
    public LineChart line(String name, double[] xs, double[] ys) {
        if (xs.length == 0 || xs.length != ys.length)
            throw new IllegalArgumentException("line '" + name + "' needs as many x as y values, at least one; got "
                + xs.length + " and " + ys.length);
        for (int i = 0; i < xs.length; i++) {
            try {
                x.fraction(xs[i]);
                y.fraction(ys[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line '" + name + "', point " + i + " (" + xs[i] + ", " + ys[i] + "): "
                    + e.getMessage(), e);
            }
        }
        lines.add(new Line(name, xs.clone(), ys.clone()));
        return this;
    }

    /**
     * Adds a dashed horizontal line at {@code value}, labelled in the legend.
     *
     * @throws IllegalArgumentException if the vertical axis cannot place {@code value}
     */
    public LineChart reference(String name, double value) {
        try {
            y.fraction(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("reference '" + name + "': " + e.getMessage(), e);
        }
        references.add(new Reference(name, value));
        return this;
    }

    /** The SVG document. */
    public String render() {
        Svg svg = Frame.start(title, subtitle, y);
        for (Scale.Tick t : x.scale().ticks()) {
            double px = Frame.x(x.fraction(t.value()));
            svg.line(px, Frame.TOP, px, Frame.TOP + Frame.plotHeight(), "#e3e3e3", 1, "");
            svg.line(px, Frame.TOP + Frame.plotHeight(), px, Frame.TOP + Frame.plotHeight() + 5, "#444", 1, "");
            svg.text(px, Frame.TOP + Frame.plotHeight() + 19, "middle", t.label(), "");
        }
        svg.text(Frame.x(0.5), Frame.HEIGHT - 14, "middle", x.title(), "");
        List<Frame.Key> keys = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            double[] px = new double[l.xs().length];
            double[] py = new double[l.ys().length];
            for (int k = 0; k < px.length; k++) {
                px[k] = Frame.x(x.fraction(l.xs()[k]));
                py[k] = Frame.y(y.fraction(l.ys()[k]));
            }
            svg.polyline(l.name(), px, py, Frame.color(i), "");
            keys.add(new Frame.Key(l.name(), Frame.color(i), "", false));
        }
        for (Reference r : references) {
            double py = Frame.y(y.fraction(r.y()));
            svg.line(Frame.LEFT, py, Frame.LEFT + Frame.plotWidth(), py, "#333", 1.5, "6 4");
            keys.add(new Frame.Key(r.name(), "#333", "6 4", false));
        }
        Frame.box(svg);
        Frame.legend(svg, keys);
        return svg.finish();
    }
}
