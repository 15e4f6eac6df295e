package io.shardcache.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void optionsHaveDefaultsAndRefuseBadValuesNamingTheOption() {
        Report.Options d = Report.Options.parse(new String[0]);
        assertThat(d).isEqualTo(new Report.Options(Path.of("benchmarks/report"), 5_000, 20_000, 2, 25, "sleep:200", true));
        Report.Options o = Report.Options.parse(new String[] {"--out", "/tmp/x", "--samples", "10", "--no-stampede"});
        assertThat(o.out()).isEqualTo(Path.of("/tmp/x"));
        assertThat(o.samples()).isEqualTo(10);
        assertThat(o.stampede()).isFalse();
        assertThatThrownBy(() -> Report.Options.parse(new String[] {"--samples", "0"}))
            .hasMessage("--samples must be a positive integer, got '0'");
        assertThatThrownBy(() -> Report.Options.parse(new String[] {"--stampede-jvms"})).hasMessage("--stampede-jvms needs a value");
        assertThatThrownBy(() -> Report.Options.parse(new String[] {"--sample", "3"})).hasMessageStartingWith("unknown option '--sample'");
    }

    @Test
    void percentilesAreByNearestRank() {
        double[] v = new double[200];
        for (int i = 0; i < v.length; i++)
            v[i] = i + 1;
        assertThat(Report.percentile(v, 0.5)).isEqualTo(100);
        assertThat(Report.percentile(v, 0.99)).isEqualTo(198);
        assertThat(Report.percentile(v, 1)).isEqualTo(200);
        assertThat(Report.percentile(new double[] {7}, 0.999)).isEqualTo(7);
    }

    @Test
    void theStampedeResultIsTheLastResultLineOfTheRun() {
        String output = """
            # stampede run=abc
            callers=1 db_executions=9 lock_attempts=9 query_ms=1.0 p50_ms=1.0 p99_ms=1.0 max_ms=1.0
            # target: met
            callers=50 db_executions=1 lock_attempts=2 query_ms=204.5 p50_ms=189.0 p99_ms=244.9 max_ms=250.1
            """;
        Report.StampedeResult r = Report.StampedeResult.parse("cold", output);
        assertThat(r).isEqualTo(new Report.StampedeResult("cold", 50, 1, 2, 204.5, 189.0, 244.9, 250.1));
        assertThatThrownBy(() -> Report.StampedeResult.parse("naive", "# nothing")).hasMessageContaining("'naive' printed no result line");
    }
}
