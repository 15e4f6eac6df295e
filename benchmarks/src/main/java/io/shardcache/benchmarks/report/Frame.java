package io.shardcache.benchmarks.report;

import java.util.List;

/**
 * What every chart of the report shares: the page size, the plot area (axes inside a box, the
 * legend to its right), the title, the value axis with its grid, and the colours. Stateless.
 */
final class Frame {

    static final int WIDTH = 960, HEIGHT = 480;
    static final int LEFT = 80, RIGHT = 270, TOP = 62, BOTTOM = 58;
    /** Tableau 10, reordered so that the first seven are all clearly visible on white. */
    private static final String[] COLORS =
        {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#b07aa1", "#9c755f", "#edc948", "#ff9da7", "#bab0ac"};

    /** A legend entry: a line (with its dash pattern, "" for solid) or, if {@code box}, a filled square. */
    record Key(String name, String color, String dash, boolean box) {
    }

    private Frame() {
    }

    static String color(int i) {
        return COLORS[i % COLORS.length];
    }

    static double plotWidth() {
        return WIDTH - LEFT - RIGHT;
    }

    static double plotHeight() {
        return HEIGHT - TOP - BOTTOM;
    }

    /** The x pixel of a place on the horizontal axis (0: left edge of the plot, 1: right edge). */
    static double x(double fraction) {
        return LEFT + fraction * plotWidth();
    }

    /** The y pixel of a place on the vertical axis (0: bottom of the plot, 1: top). */
    static double y(double fraction) {
        return TOP + (1 - fraction) * plotHeight();
    }

    /** A new page with the title, the subtitle (if not empty) and the value axis: grid, tick labels and title. */
    static Svg start(String title, String subtitle, Axis values) {
        Svg svg = new Svg(WIDTH, HEIGHT);
        svg.text(WIDTH / 2.0, 24, "middle", title, "font-size=\"15\" font-weight=\"bold\"");
        if (!subtitle.isEmpty())
            svg.text(WIDTH / 2.0, 43, "middle", subtitle, "fill=\"#555\"");
        for (Scale.Tick t : values.scale().ticks()) {
            double py = y(values.fraction(t.value()));
            svg.line(LEFT, py, LEFT + plotWidth(), py, "#e3e3e3", 1, "");
            svg.line(LEFT - 5, py, LEFT, py, "#444", 1, "");
            svg.text(LEFT - 8, py + 4, "end", t.label(), "");
        }
        svg.text(20, TOP + plotHeight() / 2, "middle", values.title(),
            "transform=\"rotate(-90 20 " + Svg.num(TOP + plotHeight() / 2) + ")\"");
        return svg;
    }

    /** The box around the plot, drawn last but one so that it lies over the grid. */
    static void box(Svg svg) {
        svg.rect(LEFT, TOP, plotWidth(), plotHeight(), "none", "#444");
    }

    static void legend(Svg svg, List<Key> keys) {
        double x = LEFT + plotWidth() + 18;
        for (int i = 0; i < keys.size(); i++) {
            Key k = keys.get(i);
            double y = TOP + 12 + i * 22;
            if (k.box())
                svg.rect(x, y - 10, 14, 14, k.color(), "");
            else
                svg.line(x, y - 3, x + 24, y - 3, k.color(), 2.5, k.dash());
            svg.text(x + 30, y + 1, "start", k.name(), "");
        }
    }
}
