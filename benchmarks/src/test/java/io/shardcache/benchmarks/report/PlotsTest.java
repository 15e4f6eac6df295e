package io.shardcache.benchmarks.report;

import static io.shardcache.benchmarks.report.SvgDocuments.parse;
import static io.shardcache.benchmarks.report.SvgDocuments.plotArea;
import static io.shardcache.benchmarks.report.SvgDocuments.rgb;
import static io.shardcache.benchmarks.report.SvgDocuments.styled;
import static io.shardcache.benchmarks.report.SvgDocuments.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.shardcache.benchmarks.report.Plots.PercentileAxis;
import io.shardcache.benchmarks.report.SvgDocuments.Box;
import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.w3c.dom.Document;

class PlotsTest {

    private static final double[] PERCENTILES = {0, 90, 99};

    private static SequencedMap<String, double[]> map(Object... nameThenValues) {
        SequencedMap<String, double[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenValues.length; i += 2)
            m.put((String) nameThenValues[i], (double[]) nameThenValues[i + 1]);
        return m;
    }

    private static XYChart curves(SequencedMap<String, double[]> curves) {
        return Plots.percentiles("Latency <per> tier & more", "one run", PercentileAxis.NINES, "percentile", "µs (log scale)",
            PERCENTILES, curves);
    }

    private static CategoryChart bars() {
        return Plots.bars("Executions", "50 callers", "count", List.of("cached", "naive"),
            map("executions", new double[] {1, 50}, "locks", new double[] {2, 0}));
    }

    @Test
    void theAxisOfNinesGivesEachNineTheSameWidthAndLabelsItsTicksWithPercentiles() {
        assertThat(PercentileAxis.NINES.place(0)).isZero();
        assertThat(PercentileAxis.NINES.place(90)).isCloseTo(1, within(1e-12));
        assertThat(PercentileAxis.NINES.place(99)).isCloseTo(2, within(1e-12));
        assertThat(PercentileAxis.NINES.place(99.99)).isCloseTo(4, within(1e-9));
        assertThat(List.of(0.0, Math.log10(2), 1.0, 2.0, 3.0, 4.0)).extracting(PercentileAxis.NINES::label)
            .containsExactly("0", "50", "90", "99", "99.9", "99.99");
        assertThat(PercentileAxis.LINEAR.place(37)).isEqualTo(37);
        assertThat(PercentileAxis.LINEAR.label(20)).isEqualTo("20");
        assertThatThrownBy(() -> PercentileAxis.NINES.place(100)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("an axis of nines shows percentiles from 0 up to (not including) 100, got 100.0");
    }

    @Test
    void curvesKeepTheirNamesAndPointsOverALogAxisOfWholeDecades() {
        XYChart chart = curves(map("redis", new double[] {3, 10, 400}, "postgres", new double[] {20, 30, 4_000}));

        assertThat(chart.getTitle()).isEqualTo("Latency <per> tier & more");
        assertThat(chart.getXAxisTitle()).isEqualTo("percentile");
        assertThat(chart.getYAxisTitle()).isEqualTo("µs (log scale)");
        assertThat(chart.getSeriesMap().keySet()).containsExactly("redis", "postgres");
        XYSeries redis = chart.getSeriesMap().get("redis");
        assertThat(redis.getXData()).containsExactly(new double[] {0, 1, 2}, within(1e-12));
        assertThat(redis.getYData()).containsExactly(3, 10, 400);
        assertThat(chart.getSeriesMap().get("postgres").getYData()).containsExactly(20, 30, 4_000);
        assertThat(redis.getLineColor()).isNotEqualTo(chart.getSeriesMap().get("postgres").getLineColor());
        assertThat(chart.getStyler().isYAxisLogarithmic()).isTrue();
        assertThat(chart.getStyler().getYAxisMin()).isEqualTo(1);
        assertThat(chart.getStyler().getYAxisMax()).isEqualTo(10_000);
        assertThat(curves(map("flat", new double[] {10, 10, 10})).getStyler().getYAxisMax()).isEqualTo(100);
    }

    @Test
    void aLogAxisRefusesZeroNamingTheCurveAndThePercentile() {
        assertThatThrownBy(() -> curves(map("stale", new double[] {5, 0, 7}))).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("curve 'stale' has 0.0 at p90.0: a log axis shows only finite values > 0");
        assertThatThrownBy(() -> curves(map("odd", new double[] {5}))).hasMessage("curve 'odd' has 1 values for 3 percentiles");
        assertThatThrownBy(() -> Plots.reference(curves(map("a", new double[] {1, 2, 3})), "zero", 0))
            .hasMessage("reference 'zero' is 0.0: a log axis shows only finite values > 0");
    }

    @Test
    void theReferenceIsADashedLineAcrossThePlotThatTheAxisMakesRoomFor() {
        XYChart chart = curves(map("fast", new double[] {2, 3, 40}));

        Plots.reference(chart, "query alone: 500.0 ms", 500);

        XYSeries reference = chart.getSeriesMap().get("query alone: 500.0 ms");
        assertThat(reference.getYData()).containsExactly(500, 500);
        assertThat(reference.getXData()).containsExactly(chart.getStyler().getXAxisMin(), chart.getStyler().getXAxisMax());
        assertThat(reference.getLineStyle().getDashArray()).containsExactly(6, 4);
        assertThat(chart.getStyler().getYAxisMin()).isEqualTo(1);
        assertThat(chart.getStyler().getYAxisMax()).isEqualTo(1_000);
    }

    @Test
    void barsHoldOneValuePerCategoryAndRefuseOthers() {
        CategoryChart chart = bars();

        assertThat(chart.getSeriesMap().keySet()).containsExactly("executions", "locks");
        CategorySeries executions = chart.getSeriesMap().get("executions");
        assertThat(List.<Object>copyOf(executions.getXData())).containsExactly("cached", "naive");
        assertThat(List.<Object>copyOf(executions.getYData())).containsExactly(1.0, 50.0);
        assertThat(chart.getStyler().getYAxisMin()).isZero();
        assertThat(chart.getStyler().getYAxisMax()).isGreaterThan(50);
        assertThatThrownBy(() -> Plots.bars("t", "", "count", List.of("a", "b"), map("short", new double[] {1})))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("series 'short' has 1 values for 2 categories [a, b]");
        assertThatThrownBy(() -> Plots.bars("t", "", "count", List.of("a"), map("negative", new double[] {-1})))
            .hasMessage("series 'negative' has -1.0: bars show finite counts >= 0");
    }

    @Test
    void theSvgIsAStandaloneDocumentOfThePageWithEveryCurveStrokedInItsColour() throws Exception {
        XYChart chart = curves(map("fast", new double[] {2, 3, 40}, "slow", new double[] {20, 30, 400}));
        Plots.reference(chart, "query alone", 100);

        Document d = parse(Plots.svg(chart));

        assertThat(d.getDocumentElement().getAttribute("viewBox")).isEqualTo("0 0 " + Plots.WIDTH + " " + Plots.HEIGHT);
        for (XYSeries s : chart.getSeriesMap().values())
            assertThat(styled(d, "line", rgb("stroke", s.getLineColor()))).as(s.getName()).isNotEmpty();
        assertThat(styled(d, "line", "stroke-dasharray:6,4")).isNotEmpty();
    }

    /** Canary for XChart's layout, which {@link Plots} places its bar labels and subtitle by. */
    @Test
    void barLabelsStandOverTheMiddleOfTheirBarsAndTheSubtitleUnderTheTitle() throws Exception {
        CategoryChart chart = bars();
        Document d = parse(Plots.svg(chart));
        Box plot = plotArea(d);

        List<Box> bars = new ArrayList<>();
        for (CategorySeries s : chart.getSeriesMap().values())
            styled(d, "path", rgb("fill", s.getFillColor())).stream().map(SvgDocuments::box).forEach(bars::add);
        assertThat(bars).hasSize(4);
        List<Box> labels = texts(d, Color.BLACK).stream()
            .filter(t -> t.left() > plot.left() && t.right() < plot.right() && t.top() > plot.top() && t.bottom() < plot.bottom())
            .toList();
        assertThat(labels).hasSize(4);
        for (Box bar : bars)
            assertThat(labels).as("a label over the bar %s", bar)
                .anySatisfy(l -> {
                    assertThat(l.middle()).isCloseTo(bar.middle(), within(3.0));
                    assertThat(bar.top() - l.bottom()).isBetween(2.0, 15.0);
                });

        Box title = texts(d, Color.BLACK).stream().min((a, b) -> Double.compare(a.top(), b.top())).orElseThrow();
        List<Box> subtitle = texts(d, Plots.SUBTITLE);
        assertThat(subtitle).hasSize(1);
        assertThat(subtitle.getFirst().top()).isGreaterThan(title.bottom() + 2);
        assertThat(subtitle.getFirst().bottom()).isLessThan(plot.top() - 2);
        assertThat(subtitle.getFirst().middle()).isCloseTo(title.middle(), within(2.0));
    }
}
