package io.shardcache.benchmarks.stampede;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChildResultTest {

    @Test
    void aResultLineRoundTrips() {
        ChildResult r = new ChildResult(3, 4, 1, 1, 2, 1, 5, 6, 7, 0, 0, 3, 4, 1500, 210_000, 95_000,
            new long[] {201_000}, new long[] {203_100, 203_200, 204_000},
            java.util.List.of(new Trace.Event("go", 1_700_000_000_000_000L), new Trace.Event("acquire:got", 1_700_000_000_001_000L)));

        ChildResult back = ChildResult.parse(r.format());

        assertThat(back).usingRecursiveComparison().isEqualTo(r);
        assertThat(back.lockAttempts()).isEqualTo(3);
    }

    @Test
    void emptyListsRoundTrip() {
        ChildResult r = new ChildResult(0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, new long[0], new long[0], java.util.List.of());

        assertThat(ChildResult.parse(r.format()).latenciesUs()).isEmpty();
    }

    @Test
    void aTruncatedLineIsRejected() {
        String line = new ChildResult(0, 2, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, new long[0], new long[] {1, 2}, java.util.List.of()).format();

        assertThatThrownBy(() -> ChildResult.parse(line.substring(0, line.indexOf(" latencies_us"))))
            .hasMessage("result line has no latencies_us=");
        assertThatThrownBy(() -> ChildResult.parse(line.replace("latencies_us=1,2", "latencies_us=1")))
            .hasMessage("child 0 reports 2 callers and 0 errors but 1 latencies");
    }

    @Test
    void percentilesAreByNearestRank() {
        long[] values = new long[200];
        for (int i = 0; i < values.length; i++)
            values[i] = (i + 1) * 1000L;   // 1 ms .. 200 ms
        Latencies l = new Latencies(values);

        assertThat(l.percentileMicros(0.5)).isEqualTo(100_000);
        assertThat(l.percentileMicros(0.99)).isEqualTo(198_000);
        assertThat(l.maxMicros()).isEqualTo(200_000);
        assertThat(new Latencies(new long[0]).percentileMicros(0.99)).isZero();
        assertThat(Latencies.ms(1_234_567)).isEqualTo("1234.6");
    }
}
