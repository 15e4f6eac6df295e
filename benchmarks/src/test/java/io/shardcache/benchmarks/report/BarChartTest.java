package io.shardcache.benchmarks.report;

import static io.shardcache.benchmarks.report.SvgDocuments.attr;
import static io.shardcache.benchmarks.report.SvgDocuments.elements;
import static io.shardcache.benchmarks.report.SvgDocuments.parse;
import static io.shardcache.benchmarks.report.SvgDocuments.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class BarChartTest {

    private static BarChart chart() {
        return new BarChart("Executions", "", List.of("cached", "naive"), new Axis("count", new Scale.Linear(0, 50)));
    }

    @Test
    void barsRiseFromZeroToTheirValueAndAreLabelledWithIt() throws Exception {
        Document d = parse(chart().series("executions", new double[] {1, 50}).series("locks", new double[] {2, 0}).render());

        // the page, four bars, two legend swatches, the plot's box
        List<Element> rects = elements(d, "rect");
        assertThat(rects).hasSize(8);
        double bottom = Frame.TOP + Frame.plotHeight();
        Element cached = rects.get(1), naive = rects.get(2), naiveLocks = rects.get(4);
        assertThat(attr(cached, "height")).isCloseTo(Frame.plotHeight() / 50.0, within(0.06));
        assertThat(attr(naive, "height")).isCloseTo(Frame.plotHeight(), within(0.06));
        assertThat(attr(naive, "y")).isCloseTo(Frame.TOP, within(0.06));
        assertThat(attr(naiveLocks, "height")).isZero();
        assertThat(attr(cached, "y") + attr(cached, "height")).isCloseTo(bottom, within(0.06));
        // the naive group is right of the cached one
        assertThat(attr(naive, "x")).isGreaterThan(attr(cached, "x") + Frame.plotWidth() / 2 - 1);
        assertThat(texts(d)).contains("Executions", "count", "cached", "naive", "executions", "locks", "1", "50", "2", "0");
        assertThat(texts(d)).doesNotContain("");   // no empty subtitle
    }

    @Test
    void badSeriesAreRefusedNamingThem() {
        BarChart chart = chart();

        assertThatThrownBy(() -> chart.series("short", new double[] {1}))
            .hasMessage("series 'short' has 1 values for 2 categories [cached, naive]");
        assertThatThrownBy(() -> chart.series("negative", new double[] {1, -1}))
            .hasMessage("series 'negative', category 'naive': axis 'count': the linear scale [0.0, 50.0] cannot show -1.0");
        assertThatThrownBy(() -> new BarChart("t", "", List.of(), new Axis("count", new Scale.Linear(0, 1))))
            .hasMessage("a bar chart needs at least one category");
        assertThatThrownBy(() -> new BarChart("t", "", List.of("a"), new Axis("log", new Scale.Log(1, 10)))
            .series("zero", new double[] {0}))
            .hasMessage("series 'zero', category 'a': axis 'log': a log scale cannot show 0.0: only values > 0");
    }
}
