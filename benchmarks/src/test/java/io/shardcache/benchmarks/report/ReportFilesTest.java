package io.shardcache.benchmarks.report;

import static io.shardcache.benchmarks.report.SvgDocuments.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.shardcache.benchmarks.stampede.StampedeResult;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

class ReportFilesTest {

    private static final ReportOptions OPTIONS = new ReportOptions(Path.of("out"), 1_000, 10, 2, 25, "sleep:200", true);

    /** 1,000 latencies from {@code scale} to 1000 x {@code scale} µs. */
    private static TierLatencies.Samples tier(String name, double scale) {
        return new TierLatencies.Samples(name, Percentiles.of(IntStream.rangeClosed(1, 1_000).mapToDouble(i -> i * scale).toArray()));
    }

    private static Report.SchemeRun scheme(ReportOptions.Scheme s, long executions, long locks, long baseUs) {
        long[] us = IntStream.rangeClosed(1, 50).mapToLong(i -> baseUs + i * 1_000L).toArray();
        return new Report.SchemeRun(s, new StampedeResult(50, 0, executions, locks, 203.4, us),
            Percentiles.of(Arrays.stream(us).mapToDouble(v -> v / 1_000.0).toArray()));
    }

    private static TierLatencies.Result tiers() {
        return new TierLatencies.Result(List.of(tier("PostgreSQL (jOOQ, HikariCP)", 0.1), tier("near cache: prepared", 0.01)),
            List.of("G1 Young Generation: 3 collections, 12 ms"));
    }

    private static ReportFiles files() {
        return new ReportFiles(OPTIONS, "java -jar x.jar report", Instant.parse("2026-01-02T03:04:05.678Z"), "2 CPUs", "PG; Redis");
    }

    private static Map<String, String> render(List<Report.SchemeRun> stampedes) {
        return files().render(tiers(), stampedes);
    }

    private static List<Report.SchemeRun> threeSchemes() {
        return List.of(scheme(ReportOptions.Scheme.CACHED_COLD, 1, 2, 200_000), scheme(ReportOptions.Scheme.CACHED_STALE, 1, 2, 1_000),
            scheme(ReportOptions.Scheme.NAIVE_COLD, 50, 0, 400_000));
    }

    @Test
    void everyFileIsWrittenAndEveryPlotIsAnSvgDocument() throws Exception {
        Map<String, String> files = render(threeSchemes());

        assertThat(files).containsOnlyKeys("hit-latency.svg", "hit-latency.csv", "stampede-executions.svg", "stampede-latency.svg",
            "stampede-latency.csv", "stampede.csv", "summary.md");
        for (String svg : List.of("hit-latency.svg", "stampede-executions.svg", "stampede-latency.svg"))
            assertThat(parse(files.get(svg)).getDocumentElement().getAttribute("viewBox")).as(svg).isEqualTo("0 0 960 480");
    }

    @Test
    void theTierPlotHasACurveOfEveryTierOnTheAxisOfNines() {
        XYChart chart = files().tierPlot(tiers().tiers());

        assertThat(chart.getTitle()).isEqualTo("One primary-key read: latency per call, per tier");
        assertThat(chart.getXAxisTitle()).isEqualTo("percentile (each nine the same width)");
        assertThat(chart.getYAxisTitle()).isEqualTo("latency (µs, log scale)");
        assertThat(chart.getStyler().isYAxisLogarithmic()).isTrue();
        assertThat(chart.getSeriesMap().keySet()).containsExactly("PostgreSQL (jOOQ, HikariCP)", "near cache: prepared");
        XYSeries near = chart.getSeriesMap().get("near cache: prepared");
        double[] grid = Percentiles.ninesGrid(ReportFiles.NINES, 40, 50, 90, 99, 99.9);
        assertThat(near.getXData()).hasSameSizeAs(grid).contains(new double[] {Plots.PercentileAxis.NINES.place(99.9)}, within(1e-12));
        // of 1,000 values from 0.01 to 10 µs: p0 is the smallest, p50 the 500th, p99.99 already the largest
        assertThat(near.getYData()[0]).isEqualTo(0.01);
        assertThat(near.getYData()).contains(5.0).endsWith(10.0);
        assertThat(chart.getStyler().getYAxisMin()).isEqualTo(0.01);
        assertThat(chart.getStyler().getYAxisMax()).isEqualTo(100);
    }

    @Test
    void theStampedePlotsHaveEverySchemeTheCountsAndTheQueryAlone() {
        List<Report.SchemeRun> runs = threeSchemes();

        CategoryChart counts = files().countPlot(runs);
        assertThat(counts.getTitle()).isEqualTo("Stampede: database executions and lock attempts");
        assertThat(counts.getYAxisTitle()).isEqualTo("count in one stampede");
        assertThat(counts.getSeriesMap().keySet()).containsExactly("database executions", "lock attempts");
        assertThat(List.<Object>copyOf(counts.getSeriesMap().get("database executions").getXData()))
            .containsExactly("shardcache cold", "shardcache stale", "naive cold");
        assertThat(List.<Object>copyOf(counts.getSeriesMap().get("database executions").getYData())).containsExactly(1.0, 1.0, 50.0);
        assertThat(List.<Object>copyOf(counts.getSeriesMap().get("lock attempts").getYData())).containsExactly(2.0, 2.0, 0.0);

        XYChart latency = files().latencyPlot(runs);
        assertThat(latency.getTitle()).isEqualTo("Stampede: caller latency per scheme");
        assertThat(latency.getXAxisTitle()).isEqualTo("percentile of callers");
        assertThat(latency.getYAxisTitle()).isEqualTo("latency (ms, log scale)");
        assertThat(latency.getSeriesMap().keySet()).containsExactly("shardcache cold", "shardcache stale", "naive cold",
            "query alone: 203.4 ms");
        // 50 callers: p2 is the first caller, p100 the last
        XYSeries naive = latency.getSeriesMap().get("naive cold");
        assertThat(naive.getXData()).hasSize(101).startsWith(0, 1, 2).endsWith(100);
        assertThat(naive.getYData()).startsWith(401.0, 401.0, 401.0).endsWith(450.0);
        assertThat(latency.getSeriesMap().get("query alone: 203.4 ms").getYData()).containsExactly(203.4, 203.4);
    }

    @Test
    void theCsvHoldsEveryPlottedPointAndTheMaximum() {
        List<String> rows = render(List.of()).get("hit-latency.csv").lines().toList();

        assertThat(rows.getFirst()).isEqualTo("percentile,\"PostgreSQL (jOOQ, HikariCP) latency_us\",near cache: prepared latency_us");
        double[] grid = Percentiles.ninesGrid(ReportFiles.NINES, 40, 50, 90, 99, 99.9);
        assertThat(rows).hasSize(1 + grid.length + 1);
        assertThat(rows).doesNotHaveDuplicates();
        // of 1,000 values, p99.9 is the 999th and p99.99 already the maximum
        assertThat(rows).contains("0,0.100,0.010", "50,50.000,5.000", "99.9,99.900,9.990", "99.99,100.000,10.000");
        assertThat(rows.getLast()).isEqualTo("100,100.000,10.000");
    }

    @Test
    void theSummaryHasTheTablesAndRatiosToTheFirstTier() {
        String md = render(threeSchemes()).get("summary.md");

        assertThat(md).contains("Generated by `java -jar x.jar report` at 2026-01-02T03:04:05Z.",
            "| PostgreSQL (jOOQ, HikariCP) | 50.0 | 90.0 | 99.0 | 99.9 | 100.0 | 1.000x |",
            "| near cache: prepared | 5.0 | 9.0 | 9.9 | 10.0 | 10.0 | 0.100x |",
            "G1 Young Generation: 3 collections, 12 ms",
            "2 JVMs x 25 threads = 50 callers read one key at once; query sleep:200",
            "| shardcache cold | 50 | 1 | 2 | 203.4 | 225.0 | 245.0 | 250.0 | 250.0 |",
            "| naive cold | 50 | 50 | 0 | 203.4 | 425.0 | 445.0 | 450.0 | 450.0 |",
            "![hit latency per tier](hit-latency.svg)", "![caller latency per scheme](stampede-latency.svg)");
        assertThat(render(threeSchemes()).get("stampede.csv").lines())
            .contains("naive cold,50,0,50,0,203.400,425.000,445.000,450.000,450.000");
    }

    @Test
    void withoutStampedesOnlyTheTierFilesAreWritten() {
        assertThat(render(List.of())).containsOnlyKeys("hit-latency.svg", "hit-latency.csv", "summary.md");
        assertThat(render(List.of()).get("summary.md")).doesNotContain("## Stampede");
    }

    @Test
    void theWritePhaseIsATableOfStaleReadsPerCache() {
        String md = files().render(tiers(), List.of(), new TierLatencies.Writes(20, 0, 19)).get("summary.md");
        assertThat(md).contains("## What a write does")
            .contains("| shardcache Redis region (`fromCache`) | 0 of 20 |")
            .contains("| Spring Cache on Redis (`@Cacheable`, no `@CacheEvict`) | 19 of 20 |");
        assertThat(files().render(tiers(), List.of()).get("summary.md")).doesNotContain("## What a write does");
    }
}
