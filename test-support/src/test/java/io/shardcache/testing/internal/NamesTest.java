package io.shardcache.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NamesTest {

    @Test
    void schemaNameIsALowerCaseIdentifierWithinPostgresLimit() {
        String name = Names.schemaName("ShardMapRebalancing$WhenAPhysicalServerIsAddedWhileReadsAreInFlightIT",
                new Random(7));

        assertThat(name).matches("t_shardmaprebalancing_when[a-z0-9_]*_[0-9a-f]{12}");
        assertThat(name).hasSizeLessThanOrEqualTo(Names.MAX_IDENTIFIER);
        assertThat(name).doesNotContain("__");
    }

    @Test
    void schemaNamesDifferBetweenCalls() {
        assertThat(Names.schemaName("OrdersIT")).isNotEqualTo(Names.schemaName("OrdersIT")).startsWith("t_ordersit_");
    }

    @Test
    void redisPrefixKeepsReadableTestName() {
        assertThat(Names.redisPrefix("stale hit/serves old value()", new Random(7)))
                .matches("t:stale_hit_serves_old_value:[0-9a-f]{12}:");
        assertThat(Names.redisPrefix("", new Random(7))).startsWith("t:test:");
    }
}
