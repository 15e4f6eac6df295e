package io.shardcache.spring.autoconfigure;

import io.shardcache.query.CachingDSL;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The {@code shardcache} Actuator endpoint, when Actuator exposes it. */
@AutoConfiguration(after = ShardcacheAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class, CachingDSL.class})
@ConditionalOnBean(CachingDSL.class)
@ConditionalOnAvailableEndpoint(ShardcacheEndpoint.class)
public final class ShardcacheEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public ShardcacheEndpoint shardcacheEndpoint(CachingDSL cachingDSL) {
        return new ShardcacheEndpoint(cachingDSL);
    }
}
