package io.shardcache.benchmarks;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.springframework.cache.Cache;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Spring's cache abstraction on Redis as a Spring Boot application has it by default, for the comparisons:
 * a {@link RedisCacheManager} with its default configuration (Spring's JDK serializer, the non-locking cache
 * writer) over a Lettuce connection factory. {@code @Cacheable(sync = true)} reads through
 * {@link Cache#get(Object, java.util.concurrent.Callable)}, which that cache passes to its writer without a
 * lock: every caller that misses runs the method.
 *
 * @param cache       the cache
 * @param connections its connections; closed by {@link #close()}
 */
public record SpringCaches(Cache cache, LettuceConnectionFactory connections) implements AutoCloseable {

    /** The cache {@code name} on the Redis at {@code redisUrl}, its keys under {@code keyPrefix}. */
    public static SpringCaches open(String redisUrl, String keyPrefix, String name, Duration ttl) {
        URI uri = URI.create(redisUrl);
        RedisStandaloneConfiguration server = new RedisStandaloneConfiguration(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
        String userInfo = uri.getUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                server.setPassword(userInfo);
            } else {
                if (colon > 0)
                    server.setUsername(userInfo.substring(0, colon));
                server.setPassword(userInfo.substring(colon + 1));
            }
        }
        LettuceConnectionFactory connections = new LettuceConnectionFactory(server);
        connections.afterPropertiesSet();
        connections.start();
        RedisCacheManager manager = RedisCacheManager.builder(connections)
            .cacheDefaults(RedisCacheConfiguration.defaultCacheConfig().entryTtl(ttl).prefixCacheNameWith(keyPrefix))
            .build();
        manager.afterPropertiesSet();
        return new SpringCaches(Objects.requireNonNull(manager.getCache(name), "Spring's cache " + name), connections);
    }

    @Override
    public void close() {
        connections.destroy();
    }
}
