package io.shardcache.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SvgTest {

    @Test
    void labelsAreShortRoundAndGrouped() {
        assertThat(Svg.label(0.6000000000000001)).isEqualTo("0.6");
        assertThat(Svg.label(12_000)).isEqualTo("12,000");
        assertThat(Svg.label(99.99)).isEqualTo("99.99");
        assertThat(Svg.label(0.05)).isEqualTo("0.05");
        assertThat(Svg.label(203.6)).isEqualTo("203.6");
        assertThat(Svg.label(0)).isEqualTo("0");
    }

    @Test
    void textIsEscaped() {
        assertThat(Svg.escape("a < b & \"c\" > d")).isEqualTo("a &lt; b &amp; &quot;c&quot; &gt; d");
    }
}
