package io.shardcache.benchmarks.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Grouped bars: one group per category along the bottom, one bar per series in each group, each bar
 * labelled with its value; rendered as a standalone SVG document. Values are checked against the
 * value axis when a series is added. Not thread-safe; build one chart per document.
 */
public final class BarChart {

    private record Series(String name, double[] values) {
    }

    private final String title;
    private final String subtitle;
    private final List<String> categories;
    private final Axis values;
    private final List<Series> series = new ArrayList<>();

    /** @param subtitle a line under the title, or "" for none */
    public BarChart(String title, String subtitle, List<String> categories, Axis values) {
        if (categories.isEmpty())
            throw new IllegalArgumentException("a bar chart needs at least one category");
        this.title = title;
        this.subtitle = subtitle;
        this.categories = List.copyOf(categories);
        this.values = values;
    }

    /**
     * Adds one bar per category.
     *
     * @throws IllegalArgumentException if there is not one value per category, or the value axis
     *                                  cannot place one; the message names the series
     */
    public BarChart series(String name, double[] perCategory) {
        if (perCategory.length != categories.size())
            throw new IllegalArgumentException("series '" + name + "' has " + perCategory.length + " values for "
                + categories.size() + " categories " + categories);
        for (int c = 0; c < perCategory.length; c++) {
            try {
                values.fraction(perCategory[c]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("series '" + name + "', category '" + categories.get(c) + "': "
                    + e.getMessage(), e);
            }
        }
        series.add(new Series(name, perCategory.clone()));
        return this;
    }

    /** The SVG document. */
    public String render() {
        Svg svg = Frame.start(title, subtitle, values);
        double group = Frame.plotWidth() / categories.size();
        double bar = group * 0.7 / Math.max(1, series.size());
        double bottom = Frame.y(0);
        for (int c = 0; c < categories.size(); c++)
            svg.text(Frame.LEFT + group * (c + 0.5), bottom + 20, "middle", categories.get(c), "");
        List<Frame.Key> keys = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            Series one = series.get(s);
            for (int c = 0; c < categories.size(); c++) {
                double v = one.values()[c];
                // The bar rises from the axis' lower end: 0 on a linear axis, its minimum on a log one.
                double top = Frame.y(values.fraction(v));
                double left = Frame.LEFT + group * c + group * 0.15 + bar * s;
                svg.rect(left + 1, top, bar - 2, bottom - top, Frame.color(s), "");
                svg.text(left + bar / 2, top - 5, "middle", Svg.label(v), "");
            }
            keys.add(new Frame.Key(one.name(), Frame.color(s), "", true));
        }
        Frame.box(svg);
        Frame.legend(svg, keys);
        return svg.finish();
    }
}
