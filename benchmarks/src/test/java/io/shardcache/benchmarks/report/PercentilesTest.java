package io.shardcache.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PercentilesTest {

    private static Percentiles oneTo(int n) {
        // shuffled, to show the input need not be sorted
        return Percentiles.of(IntStream.rangeClosed(1, n).map(i -> (i * 7919) % n + 1).asDoubleStream().toArray());
    }

    @Test
    void percentilesAreByNearestRank() {
        Percentiles p = oneTo(200);

        assertThat(p.count()).isEqualTo(200);
        assertThat(p.at(0)).isEqualTo(1);
        assertThat(p.at(50)).isEqualTo(100);
        assertThat(p.at(50.1)).isEqualTo(101);
        assertThat(p.at(99)).isEqualTo(198);
        assertThat(p.at(100)).isEqualTo(200);
        assertThat(p.max()).isEqualTo(200);
        assertThat(Percentiles.of(7).at(99.99)).isEqualTo(7);
        assertThat(p.at(new double[] {0, 50, 100})).containsExactly(1, 100, 200);
    }

    @Test
    void aPercentileThatIsAWholeRankIsNotPushedToTheNextByRounding() {
        // 99.9 * 20000 / 100 is 19980.000000000004 in doubles
        assertThat(oneTo(20_000).at(99.9)).isEqualTo(19_980);
        assertThat(oneTo(20_000).at(99.99)).isEqualTo(19_998);
        assertThat(oneTo(50).at(90)).isEqualTo(45);
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(Percentiles::of).hasMessage("percentiles need at least one value");
        assertThatThrownBy(() -> Percentiles.of(1, Double.NaN)).hasMessage("percentiles need finite values, got NaN");
        assertThatThrownBy(() -> oneTo(3).at(100.5)).hasMessage("a percentile is between 0 and 100, got 100.5");
        assertThatThrownBy(() -> Percentiles.linearGrid(0)).hasMessage("a grid step is in (0, 100], got 0.0");
    }

    @Test
    void theNinesGridIsEvenOnTheNinesScaleAndHoldsTheTablesPercentiles() {
        double[] grid = Percentiles.ninesGrid(4, 2, 50, 99.9);

        assertThat(grid).containsExactly(0, 50, 68.3772, 90, 96.8377, 99, 99.6838, 99.9, 99.9684, 99.99);
    }

    @Test
    void theLinearGridEndsAtOneHundred() {
        assertThat(Percentiles.linearGrid(25)).containsExactly(0, 25, 50, 75, 100);
        assertThat(Percentiles.linearGrid(30)).containsExactly(0, 30, 60, 90, 100);
    }
}
