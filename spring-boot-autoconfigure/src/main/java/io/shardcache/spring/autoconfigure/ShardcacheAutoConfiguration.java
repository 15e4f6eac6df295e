package io.shardcache.spring.autoconfigure;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Regions;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.ReadTracer;
import java.util.List;
import org.jooq.Configuration;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jooq.autoconfigure.JooqAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.util.ClassUtils;

/**
 * shardcache over Boot's jOOQ: a {@link CachingDSL} built from {@code shardcache.*} properties around Boot's
 * jOOQ {@link Configuration}, and the application's {@link DSLContext} bean is that DSL's
 * {@link CachingDSL#dsl()}, so every write through it is seen and bumps its tables.
 *
 * <ul>
 * <li>Backend: a {@link CacheBackend} bean if the application has one; else Redis from
 *     {@code shardcache.redis.*} (one server, a cluster, Sentinel or a ring of servers) when cache-redis is on
 *     the class path; else in-process regions.</li>
 * <li>Spring transactions: a read inside one ({@code @Transactional}, {@code TransactionTemplate}) bypasses
 *     the cache; a write's generation bumps run after the commit; a rollback bumps nothing.</li>
 * <li>Every {@link CacheListener} bean hears the cache; a {@link ReadTracer} bean (Micrometer observations,
 *     when the application has an {@code ObservationRegistry}) traces each read; {@link ShardcacheCustomizer}
 *     beans set what properties cannot.</li>
 * </ul>
 *
 * <p>An application that defines its own {@code DSLContext} bean keeps it, and the {@code CachingDSL} wraps
 * Boot's jOOQ configuration beside it: writes through that other context are not seen by the cache (use
 * {@code cachingDSL.dsl()} for writes, or call {@code invalidateTables}).
 */
@AutoConfiguration(before = JooqAutoConfiguration.class, afterName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
    "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration"})
@ConditionalOnClass({DSLContext.class, CachingDSL.class, JooqAutoConfiguration.class})
@ConditionalOnBean(javax.sql.DataSource.class)
@ConditionalOnProperty(prefix = "shardcache", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ShardcacheProperties.class)
public final class ShardcacheAutoConfiguration {

    private static final boolean SPRING_TX = ClassUtils.isPresent(
        "org.springframework.transaction.support.TransactionSynchronizationManager", ShardcacheAutoConfiguration.class.getClassLoader());

    /** Redis regions, from {@code shardcache.redis.*}. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(CacheBackend.class)
    @ConditionalOnClass(name = "io.shardcache.redis.RedisCacheBackend")
    @Conditional(RedisConfigured.class)
    public CacheBackend shardcacheRedisBackend(ShardcacheProperties properties) {
        return RedisBackends.build(properties.getRedis());
    }

    /** The caching DSL: regions from the properties and customizers, Spring transactions, the listener beans. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public CachingDSL cachingDSL(Configuration jooqConfiguration, ShardcacheProperties properties,
                                 ObjectProvider<CacheBackend> backend, ObjectProvider<ShardcacheCustomizer> customizers,
                                 ObjectProvider<ReadTracer> tracer, ShardcacheListeners relay) {
        requireJooq(runtimeJooqVersion());
        List<ShardcacheCustomizer> all = customizers.orderedStream().toList();
        Regions regions = RegionsFromProperties.build(properties.getRegions(), all);
        CachingDSL.Builder builder = CachingDSL.builder(DSL.using(jooqConfiguration), regions);
        CacheBackend b = backend.getIfUnique();
        if (b != null)
            builder.backend(b);
        if (SPRING_TX)
            builder.inTransaction(SpringTransactions::active).afterCommit(SpringTransactions::afterCommit);
        ShardcacheProperties.CircuitBreaker breaker = properties.getCircuitBreaker();
        if (breaker.getFailures() != null || breaker.getOpenFor() != null) {
            int failures = breaker.getFailures() != null ? breaker.getFailures() : CachingDSL.DEFAULT_CIRCUIT_BREAKER_FAILURES;
            try {
                builder.circuitBreaker(failures, breaker.getOpenFor() != null ? breaker.getOpenFor()
                    : CachingDSL.DEFAULT_CIRCUIT_BREAKER_OPEN_FOR);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("shardcache.circuit-breaker: " + e.getMessage(), e);
            }
        }
        builder.listener(relay.listener());
        ReadTracer t = tracer.getIfUnique();
        if (t != null)
            builder.tracer(t);
        for (ShardcacheCustomizer c : all)
            c.cachingDsl(builder);
        return builder.build();
    }

    /**
     * Refuses a jOOQ older than 3.21, which Spring Boot 4.0's dependency management would otherwise bring
     * (it manages 3.19) and which fails later, far from the cause.
     */
    static void requireJooq(@Nullable String version) {
        if (version == null)
            return;   // not readable: let jOOQ itself fail, if it must
        String[] parts = version.split("\\.", -1);
        int major = parts.length > 0 ? parse(parts[0]) : 0;
        int minor = parts.length > 1 ? parse(parts[1]) : 0;
        if (major < 3 || (major == 3 && minor < 21))
            throw new IllegalStateException("shardcache needs jOOQ 3.21 or newer, but the application has jOOQ " + version
                + " (Spring Boot 4.0 manages 3.19): set the jooq.version property, e.g. <jooq.version>3.21.7</jooq.version>");
    }

    /** The jOOQ on the class path; a constant would be the one this was compiled against. */
    private static @Nullable String runtimeJooqVersion() {
        try {
            return String.valueOf(org.jooq.Constants.class.getField("VERSION").get(null));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    private static int parse(String number) {
        try {
            return Integer.parseInt(number);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The listener beans, as the caching DSL's one listener. */
    @Bean
    public static ShardcacheListeners shardcacheListeners(ObjectProvider<CacheListener> listeners) {
        return new ShardcacheListeners(new Listeners(() -> listeners.orderedStream().toList()));
    }

    /** The application's jOOQ context: every read can be tagged {@code fromCache}, every write is seen. */
    @Bean
    @ConditionalOnMissingBean(DSLContext.class)
    public DSLContext dslContext(CachingDSL cachingDSL) {
        return cachingDSL.dsl();
    }

    /** Holds the listener relay, and settles it once every singleton exists. */
    public static final class ShardcacheListeners implements SmartInitializingSingleton {
        private final Listeners listeners;

        ShardcacheListeners(Listeners listeners) {
            this.listeners = listeners;
        }

        CacheListener listener() {
            return listeners;
        }

        @Override
        public void afterSingletonsInstantiated() {
            listeners.settle();
        }
    }
}
