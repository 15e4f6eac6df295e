package io.shardcache.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScaleTest {

    private static List<String> labels(Scale s) {
        return s.ticks().stream().map(Scale.Tick::label).toList();
    }

    @Test
    void aLogScaleGivesEachPowerOfTenTheSameLength() {
        Scale.Log s = Scale.Log.covering(3, 4_000);

        assertThat(s).isEqualTo(new Scale.Log(1, 10_000));
        assertThat(s.fraction(1)).isZero();
        assertThat(s.fraction(10)).isCloseTo(0.25, within(1e-12));
        assertThat(s.fraction(100)).isCloseTo(0.5, within(1e-12));
        assertThat(s.fraction(10_000)).isCloseTo(1, within(1e-12));
        assertThat(labels(s)).containsExactly("1", "10", "100", "1,000", "10,000");
    }

    @Test
    void aLogScaleOfThreeDecadesOrFewerAlsoTicksTwoAndFiveTimesEach() {
        assertThat(labels(Scale.Log.covering(2, 700))).containsExactly("1", "2", "5", "10", "20", "50", "100", "200", "500", "1,000");
        assertThat(labels(Scale.Log.covering(0.02, 0.7))).containsExactly("0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1");
    }

    @Test
    void aLogScaleRefusesZeroAndNegativeValuesSayingWhy() {
        Scale.Log s = new Scale.Log(1, 1_000);

        assertThatThrownBy(() -> s.fraction(0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("a log scale cannot show 0.0: only values > 0");
        assertThatThrownBy(() -> s.fraction(-5)).hasMessage("a log scale cannot show -5.0: only values > 0");
        assertThatThrownBy(() -> Scale.Log.covering(0, 10)).hasMessage("a log scale cannot show 0.0: only values > 0");
        assertThatThrownBy(() -> new Scale.Log(-1, 10)).hasMessageContaining("needs positive values, got a minimum of -1.0");
        assertThatThrownBy(() -> s.fraction(2_000)).hasMessage("the log scale [1.0, 1000.0] cannot show 2000.0");
    }

    @Test
    void aLogScaleOfOneValueSpansOneDecade() {
        assertThat(Scale.Log.covering(10, 10)).isEqualTo(new Scale.Log(10, 100));
    }

    @Test
    void aLinearScaleFromZeroEndsOnARoundNumberWithRoundTicks() {
        Scale.Linear s = Scale.Linear.fromZeroTo(173);

        assertThat(s).isEqualTo(new Scale.Linear(0, 200));
        assertThat(s.fraction(50)).isEqualTo(0.25);
        assertThat(labels(s)).containsExactly("0", "50", "100", "150", "200");
        assertThat(labels(Scale.Linear.fromZeroTo(0))).containsExactly("0", "0.2", "0.4", "0.6", "0.8", "1");
        assertThatThrownBy(() -> s.fraction(201)).hasMessage("the linear scale [0.0, 200.0] cannot show 201.0");
        assertThatThrownBy(() -> new Scale.Linear(5, 5)).hasMessageContaining("needs finite min < max");
    }

    @Test
    void aNinesScaleSpacesP90P99AndP999Evenly() {
        Scale.Nines s = new Scale.Nines(4);

        assertThat(s.fraction(0)).isZero();
        assertThat(s.fraction(90)).isCloseTo(0.25, within(1e-12));
        assertThat(s.fraction(99)).isCloseTo(0.5, within(1e-12));
        assertThat(s.fraction(99.9)).isCloseTo(0.75, within(1e-12));
        assertThat(s.fraction(99.99)).isCloseTo(1, within(1e-9));
        assertThat(s.maxPercentile()).isCloseTo(99.99, within(1e-9));
        assertThat(labels(s)).containsExactly("0", "50", "90", "99", "99.9", "99.99");
        assertThatThrownBy(() -> s.fraction(100)).hasMessageContaining("not 100.0 (p100, the maximum, is infinitely far right on it)");
        assertThatThrownBy(() -> s.fraction(99.999)).hasMessage("this nines scale ends at p99.99; it cannot show p99.999");
        assertThatThrownBy(() -> s.fraction(-1)).hasMessageContaining("from 0 up to 99.99, not -1.0");
    }
}
