package io.shardcache.benchmarks.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class SvgChartTest {

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aLogScaleMapsPowersOfTenEvenlyAndRefusesWhatItCannotShow() {
        SvgChart.Scale s = SvgChart.Scale.logOf(3, 4_000);
        assertThat(s.min()).isEqualTo(1);
        assertThat(s.max()).isEqualTo(10_000);
        assertThat(s.fraction(1)).isEqualTo(0);
        assertThat(s.fraction(100)).isEqualTo(0.5);
        assertThat(s.fraction(10_000)).isEqualTo(1);
        assertThat(s.ticks()).containsExactly(1.0, 10.0, 100.0, 1_000.0, 10_000.0);
        assertThatThrownBy(() -> s.fraction(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot show 0");
        assertThatThrownBy(() -> new SvgChart.Scale(0, 10, true)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("positive");
    }

    @Test
    void aLinearScaleStartsAtZeroWithRoundTicks() {
        SvgChart.Scale s = SvgChart.Scale.linearOf(173);
        assertThat(s.min()).isZero();
        assertThat(s.max()).isEqualTo(200);
        assertThat(s.fraction(50)).isEqualTo(0.25);
        assertThat(s.ticks()).containsExactly(0.0, 50.0, 100.0, 150.0, 200.0);
    }

    @Test
    void percentileCurvesAreWellFormedSvgWithOnePathAndLegendEntryPerSeries() throws Exception {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("fast <1>", new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 100});
        series.put("slow", new double[] {10, 20, 30, 40, 50, 60, 70, 80, 90, 1_000});
        Document d = parse(SvgChart.percentiles("t & t", "µs", series, 3));
        assertThat(d.getDocumentElement().getLocalName()).isEqualTo("svg");
        NodeList paths = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "path");
        assertThat(paths.getLength()).isEqualTo(2);
        String first = ((Element) paths.item(0)).getAttribute("d");
        // The first point: p10 of "fast" is 1, the bottom of a scale from 1 to 1000, at the left edge.
        assertThat(first).startsWith("M" + SvgChart.fmt(SvgChart.LEFT + SvgChart.plotWidth() * (-Math.log10(0.9)) / 3) + ","
            + SvgChart.fmt(SvgChart.TOP + SvgChart.plotHeight()));
        // The last point: the maximum, 100, two thirds up, at the right edge (p100 is drawn at the last nine).
        assertThat(first).endsWith("L" + SvgChart.fmt(SvgChart.LEFT + SvgChart.plotWidth()) + ","
            + SvgChart.fmt(SvgChart.TOP + SvgChart.plotHeight() / 3.0));
        assertThat(d.getDocumentElement().getTextContent()).contains("fast <1>", "slow", "t & t", "p99.9");
    }

    @Test
    void barsAreDrawnToScaleAndLabelledWithTheirValues() throws Exception {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("executions", new double[] {1, 50});
        Document d = parse(SvgChart.bars("b", "count", List.of("cached", "naive"), series, false));
        NodeList rects = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect");
        // background, plot frame, two bars, one legend swatch
        assertThat(rects.getLength()).isEqualTo(5);
        Element naive = (Element) rects.item(3);
        assertThat(Double.parseDouble(naive.getAttribute("height"))).isCloseTo(SvgChart.plotHeight(), org.assertj.core.data.Offset.offset(0.1));
        Element cached = (Element) rects.item(2);
        assertThat(Double.parseDouble(cached.getAttribute("height"))).isCloseTo(SvgChart.plotHeight() / 50.0, org.assertj.core.data.Offset.offset(0.1));
        assertThat(d.getDocumentElement().getTextContent()).contains("cached", "naive", "50");
    }

    @Test
    void badSeriesAreRefusedNamingThem() {
        assertThatThrownBy(() -> SvgChart.percentiles("t", "y", Map.of("empty", new double[0]), 3))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'empty' has no values");
        assertThatThrownBy(() -> SvgChart.bars("t", "y", List.of("a", "b"), Map.of("short", new double[] {1}), false))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'short' has 1 values for 2 categories");
        assertThatThrownBy(() -> SvgChart.bars("t", "y", List.of("a"), Map.of("zero", new double[] {0}), true))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    }
}
