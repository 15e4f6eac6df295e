package io.shardcache.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.RegionStats.Count;
import java.lang.reflect.Method;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegionStatsTest {

    @Test
    void everyCountHasAnAccessorNamedByItsLabelThatReadsIt() throws Exception {
        Map<Count, Long> values = new EnumMap<>(Count.class);
        for (Count c : Count.values())
            values.put(c, 1000L + c.ordinal());
        RegionStats stats = RegionStats.of(values);
        for (Count c : Count.values()) {
            Method accessor = RegionStats.class.getMethod(c.label());
            assertThat(accessor.invoke(stats)).as(c.label()).isEqualTo(1000L + c.ordinal());
            assertThat(stats.count(c)).isEqualTo(1000L + c.ordinal());
        }
        assertThat(stats.asMap()).isEqualTo(values);
        assertThat(RegionStats.class.getMethods()).filteredOn(m -> m.getReturnType() == long.class
            && m.getParameterCount() == 0).hasSize(Count.values().length);
    }

    @Test
    void aCountLeftOutIsZero_andNegativeCountsAreRefused() {
        RegionStats stats = RegionStats.of(Map.of(Count.HITS, 3L));
        assertThat(stats.hits()).isEqualTo(3);
        assertThat(stats.misses()).isZero();
        assertThat(stats).isEqualTo(RegionStats.of(Map.of(Count.HITS, 3L, Count.MISSES, 0L)))
            .hasSameHashCodeAs(RegionStats.of(Map.of(Count.HITS, 3L)));
        assertThatThrownBy(() -> RegionStats.of(Map.of(Count.STORED, -1L)))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("stored must not be negative, got -1");
    }

    @Test
    void toStringNamesEveryCountByItsLabel() {
        String text = RegionStats.of(Map.of(Count.STALE_SERVED, 2L)).toString();
        assertThat(text).startsWith("RegionStats[hits=0, staleServed=2, misses=0,").endsWith("coalescedReads=0, skippedChurn=0]");
        for (Count c : Count.values())
            assertThat(text).contains(c.label() + "=");
    }
}
