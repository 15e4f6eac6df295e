package io.shardcache.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportOptionsTest {

    private static void refused(String message, String... args) {
        assertThatThrownBy(() -> ReportOptions.parse(args)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void defaults() throws Exception {
        assertThat(ReportOptions.parse()).isEqualTo(new ReportOptions(Path.of("benchmarks/report"), 20_000, 5_000, 2, 25,
            "sleep:200", true));
    }

    @Test
    void everyOptionInBothForms() throws Exception {
        ReportOptions o = ReportOptions.parse("--out", "/tmp/r", "--samples=1000", "--warmup", "0", "--jvms=3", "--threads", "10",
            "--query=heavy", "--no-stampede");

        assertThat(o).isEqualTo(new ReportOptions(Path.of("/tmp/r"), 1000, 0, 3, 10, "heavy", false));
    }

    @Test
    void eachSchemeGetsTheSharedStampedeOptionsAndItsOwn() throws Exception {
        ReportOptions o = ReportOptions.parse("--jvms", "4");

        assertThat(o.stampedeArgs(ReportOptions.Scheme.CACHED_STALE))
            .containsExactly("--jvms", "4", "--threads", "25", "--query", "sleep:200", "--mode", "stale");
        assertThat(o.stampedeArgs(ReportOptions.Scheme.NAIVE_COLD)).endsWith("--mode", "cold", "--scheme", "naive");
    }

    @Test
    void badArgumentsAreRefusedNamingTheOption() {
        refused("--samples must be between 100 and 10000000, got 5", "--samples", "5");
        refused("--warmup must be an integer, got 'lots'", "--warmup", "lots");
        refused("--jvms must be between 1 and 64, got 0", "--jvms", "0");
        refused("--threads needs a value", "--threads");
        refused("--out must not be empty", "--out=");
        refused("--samples is given more than once", "--samples", "100", "--samples=200");
        refused("--no-stampede takes no value", "--no-stampede=yes");
        refused("unexpected argument 'report': options start with --, e.g. --samples 20000", "report");
        refused("unknown option --sample; the options are --out, --samples, --warmup, --jvms, --threads, --query, --no-stampede",
            "--sample", "3");
    }

    @Test
    void stampedeOptionsAreCheckedAsStampedeChecksThemBeforeAnythingRuns() {
        assertThatThrownBy(() -> ReportOptions.parse("--query", "sleep:x")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("--query ");
    }

    @Test
    void helpIsNotAnError() {
        assertThatThrownBy(() -> ReportOptions.parse("--samples", "100", "--help")).isInstanceOf(io.shardcache.benchmarks.CommandLine.HelpRequested.class);
        assertThat(ReportOptions.USAGE).contains("--samples N", "--no-stampede", "default 20000");
        assertThat(List.of(ReportOptions.Scheme.values())).extracting(s -> s.label)
            .containsExactly("shardcache cold", "shardcache stale", "naive cold", "Spring Cache cold");
    }
}
