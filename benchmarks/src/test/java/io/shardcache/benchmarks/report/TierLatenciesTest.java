package io.shardcache.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TierLatenciesTest {

    @Test
    void eachRoundIsAPermutationAndEveryTierComesRightAfterEveryOther() {
        int n = 7;
        int[] order = IntStream.range(0, n).toArray();
        SplittableRandom random = new SplittableRandom(1);
        boolean[][] after = new boolean[n][n];
        int[] first = new int[n];
        for (int round = 0; round < 2_000; round++) {
            int[] o = TierLatencies.shuffle(order, random);
            assertThat(Arrays.stream(o).sorted().toArray()).containsExactly(0, 1, 2, 3, 4, 5, 6);
            first[o[0]]++;
            for (int i = 1; i < n; i++)
                after[o[i]][o[i - 1]] = true;
        }
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++)
                assertThat(after[t][p]).as("tier %d right after tier %d", t, p).isEqualTo(t != p);
            assertThat(first[t]).as("rounds that tier %d opened", t).isBetween(200, 380);   // 2000 / 7 = 286 expected
        }
    }
}
