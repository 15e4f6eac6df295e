package io.shardcache.spring.autoconfigure;

import io.micrometer.observation.ObservationRegistry;
import io.shardcache.micrometer.ShardcacheObservations;
import io.shardcache.query.spi.ReadTracer;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

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
    public ShardcacheObservations shardcacheObservations(ObservationRegistry registry, Environment environment) {
        return new ShardcacheObservations(registry, databaseOf(environment.getProperty("spring.datasource.url")));
    }

    /** The database a PostgreSQL JDBC URL names ({@code jdbc:postgresql://host:5432/orders?ssl=true}: orders), or null. */
    static @Nullable String databaseOf(@Nullable String jdbcUrl) {
        String prefix = "jdbc:postgresql://";
        if (jdbcUrl == null || !jdbcUrl.startsWith(prefix))
            return null;
        String rest = jdbcUrl.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash < 0)
            return null;
        String database = rest.substring(slash + 1);
        int query = database.indexOf('?');
        if (query >= 0)
            database = database.substring(0, query);
        return database.isEmpty() ? null : java.net.URLDecoder.decode(database, java.nio.charset.StandardCharsets.UTF_8);
    }
}
