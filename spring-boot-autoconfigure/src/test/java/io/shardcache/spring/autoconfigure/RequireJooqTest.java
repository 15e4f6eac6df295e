package io.shardcache.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RequireJooqTest {

    @Test
    void jooqBefore321IsRefusedWithTheFix_andLaterOnesPass() {
        assertThatThrownBy(() -> ShardcacheAutoConfiguration.requireJooq("3.19.35"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("jOOQ 3.19.35").hasMessageContaining("<jooq.version>3.21.7</jooq.version>");
        assertThatThrownBy(() -> ShardcacheAutoConfiguration.requireJooq("2.9")).isInstanceOf(IllegalStateException.class);
        assertThatCode(() -> ShardcacheAutoConfiguration.requireJooq("3.21.7")).doesNotThrowAnyException();
        assertThatCode(() -> ShardcacheAutoConfiguration.requireJooq("3.22.0")).doesNotThrowAnyException();
        assertThatCode(() -> ShardcacheAutoConfiguration.requireJooq("4.0")).doesNotThrowAnyException();
    }
}
