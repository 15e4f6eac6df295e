package io.shardcache.spring.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.shardcache.micrometer.ShardcacheMetrics;
import io.shardcache.query.CachingDSL;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * shardcache's meters ({@link ShardcacheMetrics}: per region hits, misses, stale serves, regenerations,
 * lock waits, skips, errors, the circuit, and {@code shardcache.backend.health} tagged {@code cache=shardcache})
 * in the application's registry. As a {@code CacheListener} bean, the meters hear the caching DSL.
 */
@AutoConfiguration(after = ShardcacheAutoConfiguration.class, afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration"})
@ConditionalOnClass({MeterRegistry.class, ShardcacheMetrics.class, CachingDSL.class})
@ConditionalOnBean({MeterRegistry.class, CachingDSL.class})
public final class ShardcacheMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public ShardcacheMetrics shardcacheMetrics(MeterRegistry registry, CachingDSL cachingDSL) {
        return ShardcacheMetrics.builder(registry).build().bindTo(cachingDSL, "shardcache");
    }
}
