package io.shardcache.benchmarks.report;

import static io.shardcache.benchmarks.report.SvgDocuments.attr;
import static io.shardcache.benchmarks.report.SvgDocuments.elements;
import static io.shardcache.benchmarks.report.SvgDocuments.parse;
import static io.shardcache.benchmarks.report.SvgDocuments.points;
import static io.shardcache.benchmarks.report.SvgDocuments.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class LineChartTest {

    private static final double LEFT = Frame.LEFT, RIGHT_EDGE = Frame.LEFT + Frame.plotWidth();
    private static final double TOP = Frame.TOP, BOTTOM = Frame.TOP + Frame.plotHeight();

    private static LineChart chart() {
        return new LineChart("Latency <per> tier & more", "one run",
            new Axis("percentile", new Scale.Nines(2)), new Axis("µs (log scale)", new Scale.Log(1, 1_000)));
    }

    @Test
    void pointsAreDrawnWhereTheirValuesLieOnBothAxes() throws Exception {
        Document d = parse(chart().line("redis", new double[] {0, 90, 99}, new double[] {1, 10, 1_000}).render());

        List<Element> lines = elements(d, "polyline");
        assertThat(lines).hasSize(1);
        List<double[]> p = points(lines.getFirst());
        assertThat(p).hasSize(3);
        // p0 at the left edge, p90 half way (one of two nines), p99 at the right edge
        assertThat(p.get(0)[0]).isCloseTo(LEFT, within(0.06));
        assertThat(p.get(1)[0]).isCloseTo((LEFT + RIGHT_EDGE) / 2, within(0.06));
        assertThat(p.get(2)[0]).isCloseTo(RIGHT_EDGE, within(0.06));
        // 1 µs at the bottom, 10 µs a third up (one of three decades), 1,000 µs at the top
        assertThat(p.get(0)[1]).isCloseTo(BOTTOM, within(0.06));
        assertThat(p.get(1)[1]).isCloseTo(BOTTOM - Frame.plotHeight() / 3, within(0.06));
        assertThat(p.get(2)[1]).isCloseTo(TOP, within(0.06));
    }

    @Test
    void theDocumentIsWellFormedXmlWithTitleAxesTicksAndLegend() throws Exception {
        String svg = chart()
            .line("fast", new double[] {0, 50, 99}, new double[] {2, 3, 40})
            .line("slow \"quoted\"", new double[] {0, 50, 99}, new double[] {20, 30, 400})
            .reference("query alone", 100)
            .render();

        Document d = parse(svg);
        assertThat(d.getDocumentElement().getAttribute("viewBox")).isEqualTo("0 0 " + Frame.WIDTH + " " + Frame.HEIGHT);
        assertThat(texts(d)).contains("Latency <per> tier & more", "one run", "percentile", "µs (log scale)",
            "0", "50", "90", "99", "1", "10", "100", "1,000", "fast", "slow \"quoted\"", "query alone");
        assertThat(elements(d, "polyline")).extracting(e -> e.getElementsByTagNameNS(SvgDocuments.SVG, "title").item(0).getTextContent())
            .containsExactly("fast", "slow \"quoted\"");
        Element reference = elements(d, "line").stream().filter(l -> "6 4".equals(l.getAttribute("stroke-dasharray")))
            .findFirst().orElseThrow();
        assertThat(attr(reference, "y1")).isCloseTo(BOTTOM - Frame.plotHeight() * 2 / 3, within(0.06));
    }

    @Test
    void aLogAxisRefusesAZeroNamingTheLineThePointAndTheAxis() {
        LineChart chart = chart();

        assertThatThrownBy(() -> chart.line("stale", new double[] {0, 50}, new double[] {5, 0}))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("line 'stale', point 1 (50.0, 0.0): axis 'µs (log scale)': a log scale cannot show 0.0: only values > 0");
        assertThatThrownBy(() -> chart.reference("zero", 0))
            .hasMessage("reference 'zero': axis 'µs (log scale)': a log scale cannot show 0.0: only values > 0");
    }

    @Test
    void pointsOffTheAxesAndMismatchedArraysAreRefused() {
        LineChart chart = chart();

        assertThatThrownBy(() -> chart.line("max", new double[] {100}, new double[] {5}))
            .hasMessageStartingWith("line 'max', point 0 (100.0, 5.0): axis 'percentile': a nines scale shows percentiles");
        assertThatThrownBy(() -> chart.line("big", new double[] {0}, new double[] {5_000}))
            .hasMessage("line 'big', point 0 (0.0, 5000.0): axis 'µs (log scale)': the log scale [1.0, 1000.0] cannot show 5000.0");
        assertThatThrownBy(() -> chart.line("odd", new double[] {0, 1}, new double[] {5}))
            .hasMessage("line 'odd' needs as many x as y values, at least one; got 2 and 1");
    }
}
