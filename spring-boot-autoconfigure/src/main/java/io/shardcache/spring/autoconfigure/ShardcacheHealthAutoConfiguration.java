package io.shardcache.spring.autoconfigure;

import io.shardcache.query.CachingDSL;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/** The {@code shardcache} health indicator; {@code management.health.shardcache.enabled=false} turns it off. */
@AutoConfiguration(after = ShardcacheAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, CachingDSL.class})
@ConditionalOnBean(CachingDSL.class)
@ConditionalOnEnabledHealthIndicator("shardcache")
public final class ShardcacheHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "shardcacheHealthIndicator")
    public ShardcacheHealthIndicator shardcacheHealthIndicator(CachingDSL cachingDSL) {
        return new ShardcacheHealthIndicator(cachingDSL);
    }
}
