package io.shardcache.spring.autoconfigure;

import io.micrometer.observation.ObservationRegistry;
import io.shardcache.micrometer.ShardcacheObservations;
import io.shardcache.query.spi.ReadTracer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Reads through the cache as Micrometer observations ({@link ShardcacheObservations}) in the application's
 * {@link ObservationRegistry}: with Micrometer Tracing, each read is a span under the request's, with the lock
 * wait and the regeneration under it.
 */
@AutoConfiguration(afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass({ObservationRegistry.class, ShardcacheObservations.class})
@ConditionalOnBean(ObservationRegistry.class)
public final class ShardcacheObservationAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(ReadTracer.class)
    public ShardcacheObservations shardcacheObservations(ObservationRegistry registry) {
        return new ShardcacheObservations(registry);
    }
}
