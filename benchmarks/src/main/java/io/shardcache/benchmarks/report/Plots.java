package io.shardcache.benchmarks.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.font.FontRenderContext;
import java.awt.font.TextLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SequencedMap;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.VectorGraphicsEncoder.VectorGraphicsFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's plots, drawn by XChart in one style (page size, fonts, colours, the legend right of
 * the plot, a subtitle under the title) and written as standalone SVG documents. XChart draws every
 * letter as a path, so the files look the same in any viewer, with or without its fonts. Stateless;
 * each chart belongs to the thread that builds it.
 */
final class Plots {

    static final int WIDTH = 960, HEIGHT = 480;

    /** How percentiles are spread along the horizontal axis of {@link #percentiles}. */
    enum PercentileAxis {
        /** p0 to p100, evenly. */
        LINEAR,
        /**
         * Each nine the same width: p0, p90, p99, p99.9 ... at 0, 1, 2, 3 ... ({@code -log10(1 - p/100)}),
         * so the tail gets as much room as the body. p100 has no place on it.
         */
        NINES;

        double place(double percentile) {
            return switch (this) {
                case LINEAR -> percentile;
                case NINES -> {
                    if (!(percentile >= 0 && percentile < 100))
                        throw new IllegalArgumentException("an axis of nines shows percentiles from 0 up to (not including) 100, got "
                            + percentile);
                    yield -Math.log10(1 - percentile / 100);
                }
            };
        }

        /** The tick label at {@code place}: the percentile there. */
        String label(double place) {
            double percentile = this == LINEAR ? place : 100 * (1 - Math.pow(10, -place));
            return BigDecimal.valueOf(percentile).setScale(4, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
        }
    }

    /** Tableau 10, reordered so that the first seven are all clearly visible on white. */
    private static final Color[] COLORS = Arrays.stream(new String[] {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
        "#b07aa1", "#9c755f", "#edc948", "#ff9da7", "#bab0ac"}).map(Color::decode).toArray(Color[]::new);
    static final Color SUBTITLE = new Color(0x55_55_55);
    private static final Color INK = new Color(0x44_44_44), GRID = new Color(0xe3_e3_e3), REFERENCE = new Color(0x33_33_33);
    private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    /** Room under the title for the subtitle: XChart centres its title in a box this much taller than the text. */
    private static final int TITLE_PADDING = 26;
    private static final String NUMBER = "#,##0.###";

    private Plots() {
    }

    /**
     * Lines through {@code values[i]} at {@code percentiles[i]}, one per entry of {@code curves}, over a
     * vertical log axis from the power of ten at or below the smallest value to the one at or above the
     * largest.
     *
     * @throws IllegalArgumentException if a curve has not one value per percentile, or a value that is not
     *                                  positive (a log axis has no place for it), naming the curve; or if
     *                                  the axis cannot place a percentile (p100 on an axis of nines)
     */
    static XYChart percentiles(String title, String subtitle, PercentileAxis axis, String xTitle, String yTitle,
                               double[] percentiles, SequencedMap<String, double[]> curves) {
        XYChart chart = new XYChart(WIDTH, HEIGHT);
        style(chart, title, subtitle, xTitle, yTitle);
        chart.getStyler().setYAxisLogarithmic(true).setYAxisDecimalPattern(NUMBER).setxAxisTickLabelsFormattingFunction(axis::label);
        if (axis == PercentileAxis.NINES)   // the tick spacing that lands XChart's ticks on whole nines: p0, p90, p99 ...
            chart.getStyler().setXAxisTickMarkSpacingHint(130);
        double[] xs = Arrays.stream(percentiles).map(axis::place).toArray();
        // Where the x values are evenly spaced, XChart ticks only data points, every third percentile or so;
        // an axis that starts and ends half a step further makes it choose round steps, p0, p10 ...
        double overhang = axis == PercentileAxis.LINEAR ? 0.5 : 0;
        chart.getStyler().setXAxisMin(xs[0] - overhang).setXAxisMax(xs[xs.length - 1] + overhang);
        curves.forEach((name, values) -> {
            if (values.length != percentiles.length)
                throw new IllegalArgumentException("curve '" + name + "' has " + values.length + " values for " + percentiles.length
                    + " percentiles");
            for (int i = 0; i < values.length; i++)
                if (!(values[i] > 0) || Double.isInfinite(values[i]))
                    throw new IllegalArgumentException("curve '" + name + "' has " + values[i] + " at p" + percentiles[i]
                        + ": a log axis shows only finite values > 0");
            line(chart, name, xs, values, COLORS[chart.getSeriesMap().size() % COLORS.length]);
        });
        logRange(chart, curves.values().stream().flatMapToDouble(Arrays::stream).toArray());
        return chart;
    }

    /**
     * Adds a dashed horizontal line at {@code value} across a chart of {@link #percentiles}, named in the
     * legend.
     *
     * @throws IllegalArgumentException if {@code value} is not positive
     */
    static void reference(XYChart chart, String name, double value) {
        if (!(value > 0) || Double.isInfinite(value))
            throw new IllegalArgumentException("reference '" + name + "' is " + value + ": a log axis shows only finite values > 0");
        AxesChartStyler s = chart.getStyler();
        line(chart, name, new double[] {s.getXAxisMin(), s.getXAxisMax()}, new double[] {value, value}, REFERENCE)
            .setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        logRange(chart, new double[] {s.getYAxisMin(), s.getYAxisMax(), value});
    }

    /**
     * Grouped bars: one group per category, one bar per entry of {@code series} in each, each labelled
     * with its value; the value axis starts at 0.
     *
     * @throws IllegalArgumentException if a series has not one value per category, or a negative one
     */
    static CategoryChart bars(String title, String subtitle, String yTitle, List<String> categories,
                              SequencedMap<String, double[]> series) {
        CategoryChart chart = new CategoryChart(WIDTH, HEIGHT);
        style(chart, title, subtitle, "", yTitle);
        double fill = 0.7;
        chart.getStyler().setAvailableSpaceFill(fill).setYAxisDecimalPattern(NUMBER).setPlotGridVerticalLinesVisible(false)
            .setXAxisTitleVisible(false);
        // headroom for the value label above the tallest bar
        double top = Math.max(1, series.values().stream().flatMapToDouble(Arrays::stream).max().orElse(0) * 1.12);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(top).setYAxisTickMarkSpacingHint(60);
        int s = 0;
        for (var e : series.entrySet()) {
            double[] values = e.getValue();
            if (values.length != categories.size())
                throw new IllegalArgumentException("series '" + e.getKey() + "' has " + values.length + " values for " + categories.size()
                    + " categories " + categories);
            for (double v : values)
                if (!(v >= 0) || Double.isInfinite(v))
                    throw new IllegalArgumentException("series '" + e.getKey() + "' has " + v + ": bars show finite counts >= 0");
            CategorySeries bar = chart.addSeries(e.getKey(), categories, Arrays.stream(values).boxed().toList());
            bar.setFillColor(COLORS[s % COLORS.length]);
            // XChart writes its bar labels inside the bars, where a count of 1 has no room. These stand above
            // each bar's middle: the category axis runs from 0 to the number of categories, and each group's
            // bars share `fill` of its width, as XChart's bar plot lays them out (PlotsTest checks that it still
            // does). A label's middle is 3.5 % of the axis above its bar, clear of the bar and of the label.
            for (int c = 0; c < values.length; c++) {
                double x = c + (1 - fill) / 2 + fill * (s + 0.5) / series.size();
                chart.addAnnotation(new AnnotationText(label(values[c]), x, values[c] + top * 0.035, false));
            }
            s++;
        }
        return chart;
    }

    /** The chart as a standalone SVG document. */
    static String svg(Chart<?, ?> chart) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new UncheckedIOException("writing '" + chart.getTitle() + "' as SVG", e);   // into memory: not expected
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Thousands grouped, at most three decimals: 12,000; 0.05; 203.6. */
    private static String label(double v) {
        return new DecimalFormat(NUMBER, DecimalFormatSymbols.getInstance(Locale.ROOT)).format(v);
    }

    private static XYSeries line(XYChart chart, String name, double[] xs, double[] ys, Color color) {
        XYSeries line = chart.addSeries(name, xs, ys);
        line.setMarker(SeriesMarkers.NONE);
        line.setLineColor(color);
        line.setLineWidth(2);
        return line;
    }

    /** From the power of ten at or below the smallest value to the one at or above the largest. */
    private static void logRange(XYChart chart, double[] values) {
        double lo = Math.pow(10, Math.floor(Math.log10(Arrays.stream(values).min().orElseThrow())));
        double hi = Math.pow(10, Math.ceil(Math.log10(Arrays.stream(values).max().orElseThrow())));
        chart.getStyler().setYAxisMin(lo).setYAxisMax(hi > lo ? hi : lo * 10);
    }

    private static void style(Chart<? extends AxesChartStyler, ?> chart, String title, String subtitle, String xTitle, String yTitle) {
        chart.setTitle(title);
        chart.setXAxisTitle(xTitle);
        chart.setYAxisTitle(yTitle);
        AxesChartStyler s = chart.getStyler();
        s.setLocale(Locale.ROOT);
        s.setBaseFont(TEXT).setChartTitleFont(TITLE).setLegendFont(TEXT).setAnnotationTextFont(TEXT).setChartFontColor(Color.BLACK);
        s.setAxisTitleFont(TEXT).setAxisTickLabelsFont(TEXT).setAxisTickLabelsColor(Color.BLACK);
        s.setChartBackgroundColor(Color.WHITE).setPlotBackgroundColor(Color.WHITE).setPlotBorderColor(INK);
        s.setPlotGridLinesColor(GRID).setPlotGridLinesStroke(new BasicStroke(1)).setAxisTickMarksColor(INK).setAxisTicksLineVisible(false);
        s.setLegendPosition(Styler.LegendPosition.OutsideE).setLegendBorderColor(Color.WHITE).setLegendSeriesLineLength(24);
        s.setAnnotationTextFontColor(Color.BLACK);
        if (!subtitle.isEmpty()) {
            s.setChartTitlePadding(TITLE_PADDING);
            // XChart's title box: from the chart's padding down the title's height (as XChart measures it) and
            // twice the title padding, the title's baseline one padding above the bottom. The subtitle's middle
            // goes half way between that baseline and the bottom, where the plot begins.
            double titleHeight = new TextLayout(title, TITLE, new FontRenderContext(null, true, false)).getBounds().getHeight();
            chart.addAnnotation(new Subtitle(subtitle, HEIGHT - (s.getChartPadding() + titleHeight + 1.5 * TITLE_PADDING)));
        }
    }

    /** A line of text centred under the title, as XChart centres the title: over the plot, not the page. */
    private static final class Subtitle extends AnnotationText {

        /** @param y the text's middle, in pixels from the bottom of the page (as XChart places annotations) */
        Subtitle(String text, double y) {
            super(text, WIDTH / 2.0, y, true);
        }

        @Override
        public void paint(Graphics2D g) {
            setX((getXAxisScreenValueForMin() + getXAxisScreenValueForMax()) / 2.0);
            // bar labels share the annotations' colour; the subtitle alone is grey
            Color labels = styler.getAnnotationTextFontColor();
            styler.setAnnotationTextFontColor(SUBTITLE);
            super.paint(g);
            styler.setAnnotationTextFontColor(labels);
        }
    }
}
