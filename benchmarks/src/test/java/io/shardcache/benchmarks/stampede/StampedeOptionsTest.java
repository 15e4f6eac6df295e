package io.shardcache.benchmarks.stampede;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.benchmarks.CommandLine.HelpRequested;
import io.shardcache.benchmarks.stampede.StampedeOptions.Mode;
import io.shardcache.benchmarks.stampede.StampedeOptions.Scheme;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StampedeOptionsTest {

    @Test
    void theIssuesCommandLineParses() throws Exception {
        StampedeOptions o = StampedeOptions.parse("--jvms", "4", "--threads", "50", "--query", "sleep:200", "--mode", "cold");

        assertThat(o.jvms()).isEqualTo(4);
        assertThat(o.threads()).isEqualTo(50);
        assertThat(o.callers()).isEqualTo(200);
        assertThat(o.query()).isEqualTo(new StampedeQuery.Sleep(200));
        assertThat(o.mode()).isEqualTo(Mode.COLD);
        assertThat(o.scheme()).isEqualTo(Scheme.CACHED);
    }

    @Test
    void everyOptionAlsoTakesNameEqualsValue() throws Exception {
        StampedeOptions o = StampedeOptions.parse("--jvms=2", "--threads=3", "--query=heavy", "--mode=stale",
            "--pool=4", "--warmup=0", "--timeout=60", "--redis=redis://10.0.0.1:6380", "--pg=jdbc:postgresql://h/db");

        assertThat(o.query()).isInstanceOf(StampedeQuery.Heavy.class);
        assertThat(o.mode()).isEqualTo(Mode.STALE);
        assertThat(o.pool()).isEqualTo(4);
        assertThat(o.warmup()).isZero();
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(o.redisUri()).isEqualTo("redis://10.0.0.1:6380");
        assertThat(o.pgUrl()).isEqualTo("jdbc:postgresql://h/db");
    }

    @Test
    void defaultsAreTheIssuesRun() throws Exception {
        StampedeOptions o = StampedeOptions.parse();

        assertThat(o.describe()).isEqualTo("jvms=4 threads=50 query=sleep:200 mode=cold scheme=cached pool=10 warmup=20");
        assertThat(o.redisUri()).isNull();
        assertThat(o.pgUrl()).isNull();
    }

    @Test
    void badArgumentsAreNamedInTheMessage() {
        assertThatThrownBy(() -> StampedeOptions.parse("--jvms", "zero"))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("--jvms must be an integer, got 'zero'");
        assertThatThrownBy(() -> StampedeOptions.parse("--threads", "0"))
            .hasMessage("--threads must be between 1 and 1000, got 0");
        assertThatThrownBy(() -> StampedeOptions.parse("--query", "sleep:abc"))
            .hasMessage("--query 'sleep:abc': the milliseconds after 'sleep:' must be an integer, got 'abc'");
        assertThatThrownBy(() -> StampedeOptions.parse("--query", "fast"))
            .hasMessage("--query 'fast' is neither sleep:<ms> (e.g. sleep:200) nor heavy");
        assertThatThrownBy(() -> StampedeOptions.parse("--query", "sleep:-1"))
            .hasMessage("--query sleep milliseconds must be 0..600000, got -1");
        assertThatThrownBy(() -> StampedeOptions.parse("--mode", "warm"))
            .hasMessage("--mode must be cold or stale, got 'warm'");
        assertThatThrownBy(() -> StampedeOptions.parse("--scheme", "Naive"))
            .hasMessage("--scheme must be cached, naive or spring, got 'Naive'");
        assertThatThrownBy(() -> StampedeOptions.parse("--jvms"))
            .hasMessage("--jvms needs a value");
        assertThatThrownBy(() -> StampedeOptions.parse("--jvm", "4"))
            .hasMessage("unknown option --jvm");
        assertThatThrownBy(() -> StampedeOptions.parse("4"))
            .hasMessage("unexpected argument '4': options start with --, e.g. --jvms 4");
        assertThatThrownBy(() -> StampedeOptions.parse("--jvms", "4", "--jvms=2"))
            .hasMessage("--jvms is given more than once");
        assertThatThrownBy(() -> StampedeOptions.parse("--redis", ""))
            .hasMessage("--redis must not be empty");
    }

    @Test
    void naiveCacheAsideHasNoStaleMode() {
        assertThatThrownBy(() -> StampedeOptions.parse("--scheme", "naive", "--mode", "stale"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("--scheme naive cannot run --mode stale");
    }

    @Test
    void helpIsNotAnError() {
        assertThatThrownBy(() -> StampedeOptions.parse("--jvms", "2", "--help")).isInstanceOf(HelpRequested.class);
        assertThat(StampedeOptions.USAGE).contains("--jvms N").contains("sleep:<ms>").contains("default 4");
    }

    @Test
    void aBadArgumentExitsWithStatus2AndPrintsTheMessageAndTheUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = Stampede.run(new String[] {"--mode", "lukewarm"}, print(out), print(err));

        assertThat(status).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8))
            .startsWith("stampede: --mode must be cold or stale, got 'lukewarm'")
            .contains("usage: java -jar shardcache-benchmarks.jar stampede");
    }

    @Test
    void childArgumentsRoundTrip() throws Exception {
        StampedeOptions o = StampedeOptions.parse("--threads", "7", "--query", "heavy", "--mode", "stale", "--pool", "3");
        ChildSpec spec = ChildSpec.of("r0a1b2", 2, o);

        assertThat(ChildSpec.parse(spec.toArgs().toArray(String[]::new))).isEqualTo(spec);
        assertThat(spec.redisPrefix()).isEqualTo("stampede:r0a1b2:");
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
