package io.shardcache.spring.autoconfigure;

import com.zaxxer.hikari.HikariConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.shardcache.sharding.Routers;
import io.shardcache.sharding.ShardMap;
import io.shardcache.sharding.ShardRouter;
import io.shardcache.sharding.Sharding;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

/**
 * A {@link Sharding} bean from {@code shardcache.sharding.*}, when {@code logical-shards} is set and the
 * sharding module is on the class path: each physical server's pool (and each replica's) a HikariCP pool
 * from {@code servers.<name>.pool.*}, with HikariCP's meters in the application's registry when it has one.
 * Start-up records the map in every server and checks it ({@link Sharding#initialize()}) unless
 * {@code initialize=false}.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration"})
@ConditionalOnClass(Sharding.class)
@ConditionalOnProperty(prefix = "shardcache.sharding", name = "logical-shards")
@EnableConfigurationProperties(ShardingProperties.class)
public final class ShardingAutoConfiguration {

    private static final Pattern RANGE = Pattern.compile("\\s*(\\d+)\\s*-\\s*(\\d+)\\s*");
    private static final boolean MICROMETER = ClassUtils.isPresent("io.micrometer.core.instrument.MeterRegistry",
        ShardingAutoConfiguration.class.getClassLoader());

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Sharding sharding(ShardingProperties properties, ObjectProvider<MeterRegistry> registry) {
        Object meters = MICROMETER ? registry.getIfUnique() : null;
        Sharding sharding = build(properties, meters);
        if (properties.isInitialize()) {
            try {
                sharding.initialize();
            } catch (RuntimeException e) {
                sharding.close();
                throw e;
            }
        }
        return sharding;
    }

    static Sharding build(ShardingProperties p, @Nullable Object meterRegistry) {
        String prefix = "shardcache.sharding.";
        if (p.getServers().isEmpty())
            throw new IllegalStateException(prefix + "servers: no physical server is declared; declare one, such as "
                + prefix + "servers.db1.shards=0-15 with " + prefix + "servers.db1.pool.jdbc-url=jdbc:postgresql://...");
        ShardMap.Builder map = ShardMap.builder();
        try {
            map.logicalShards(java.util.Objects.requireNonNull(p.getLogicalShards(), "logical-shards"));
            if (p.getSchemaPattern() != null) map.schemaPattern(p.getSchemaPattern());
            if (p.getApplicationSchema() != null) map.applicationSchema(p.getApplicationSchema());
            for (Map.Entry<String, ShardingProperties.Server> e : p.getServers().entrySet()) {
                String name = e.getKey();
                ShardingProperties.Server server = e.getValue();
                String shards = server.getShards();
                Matcher m = shards == null ? null : RANGE.matcher(shards);
                if (m == null || !m.matches())
                    throw new IllegalStateException(prefix + "servers." + name + ".shards is " + (shards == null ? "not set"
                        : "'" + shards + "'") + ": give the logical shards the server holds as first-last, such as 0-7");
                int first = Integer.parseInt(m.group(1)), last = Integer.parseInt(m.group(2));
                map.physical(name, pool(server.getPool(), name, meterRegistry), first, last + 1);
                int i = 0;
                for (HikariConfig replica : server.getReplicas())
                    map.replica(name, pool(replica, name + "-replica-" + i++, meterRegistry));
            }
            Sharding.Builder sharding = Sharding.builder(map.build(), router(p.getRouter()));
            if (p.getName() != null) sharding.name(p.getName());
            return sharding.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            String why = String.valueOf(e.getMessage());
            throw new IllegalStateException(why.startsWith(prefix) ? why : prefix + "*: " + why, e);
        }
    }

    private static HikariConfig pool(HikariConfig config, String name, @Nullable Object meterRegistry) {
        HikariConfig copy = new HikariConfig();
        config.copyStateTo(copy);
        if (copy.getPoolName() == null)
            copy.setPoolName("shardcache-" + name);
        if (meterRegistry != null && copy.getMetricRegistry() == null && copy.getMetricsTrackerFactory() == null)
            copy.setMetricRegistry(meterRegistry);   // HikariCP's own meters (hikaricp.*), as Boot's pools have
        return copy;
    }

    private static ShardRouter router(ShardingProperties.Router router) {
        return switch (router) {
            case JUMP_HASH -> Routers.jumpHash();
            case MODULO -> Routers.modulo();
            case KETAMA -> Routers.ketama();
        };
    }
}
