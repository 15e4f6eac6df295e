package io.shardcache.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DatabaseOfTest {

    @Test
    void theDatabaseIsTheUrlsPathWithoutItsParameters() {
        assertThat(ShardcacheObservationAutoConfiguration.databaseOf("jdbc:postgresql://db.internal:5432/orders?ssl=true"))
            .isEqualTo("orders");
        assertThat(ShardcacheObservationAutoConfiguration.databaseOf("jdbc:postgresql://a:5432,b:5433/app")).isEqualTo("app");
        assertThat(ShardcacheObservationAutoConfiguration.databaseOf("jdbc:postgresql://host/my%20db")).isEqualTo("my db");
        assertThat(ShardcacheObservationAutoConfiguration.databaseOf("jdbc:postgresql://host:5432/")).isNull();
        assertThat(ShardcacheObservationAutoConfiguration.databaseOf("jdbc:postgresql://host:5432")).isNull();
        assertThat(ShardcacheObservationAutoConfiguration.databaseOf("jdbc:h2:mem:x")).isNull();
        assertThat(ShardcacheObservationAutoConfiguration.databaseOf(null)).isNull();
    }
}
