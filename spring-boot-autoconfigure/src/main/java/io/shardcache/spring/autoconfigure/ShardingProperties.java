package io.shardcache.spring.autoconfigure;

import com.zaxxer.hikari.HikariConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The {@code shardcache.sharding.*} properties: the shard map of one {@code Sharding}. Present only when
 * {@code shardcache.sharding.logical-shards} is set. Unknown names fail start-up.
 */
@ConfigurationProperties(prefix = "shardcache.sharding", ignoreUnknownFields = false)
public class ShardingProperties {

    /** The name the map is recorded under in each server; default "default". */
    private @Nullable String name;

    /** The number of logical shards, fixed for the life of the data. */
    private @Nullable Integer logicalShards;

    /** The schema of each logical shard, from its number: default shard_%04d. */
    private @Nullable String schemaPattern;

    /** The schema the application's queries name, mapped to each shard's schema; default public. */
    private @Nullable String applicationSchema;

    /** How a shard key picks its logical shard. */
    private Router router = Router.JUMP_HASH;

    /** Whether start-up records the map in every server and checks it against what was recorded before. */
    private boolean initialize = true;

    /** The physical servers by name, each with its JDBC settings, its shard range and its replicas. */
    private final Map<String, Server> servers = new LinkedHashMap<>();

    /** How a shard key picks its logical shard (see {@code Routers}). */
    public enum Router {
        /** Jump consistent hash: even, and few keys move if the shard count ever changed. */
        JUMP_HASH,
        /** The key's value modulo the shard count (integer keys). */
        MODULO,
        /** Ketama consistent hashing (libketama's MD5 layout). */
        KETAMA
    }

    public @Nullable String getName() {
        return name;
    }

    public void setName(@Nullable String name) {
        this.name = name;
    }

    public @Nullable Integer getLogicalShards() {
        return logicalShards;
    }

    public void setLogicalShards(@Nullable Integer logicalShards) {
        this.logicalShards = logicalShards;
    }

    public @Nullable String getSchemaPattern() {
        return schemaPattern;
    }

    public void setSchemaPattern(@Nullable String schemaPattern) {
        this.schemaPattern = schemaPattern;
    }

    public @Nullable String getApplicationSchema() {
        return applicationSchema;
    }

    public void setApplicationSchema(@Nullable String applicationSchema) {
        this.applicationSchema = applicationSchema;
    }

    public Router getRouter() {
        return router;
    }

    public void setRouter(Router router) {
        this.router = router;
    }

    public boolean isInitialize() {
        return initialize;
    }

    public void setInitialize(boolean initialize) {
        this.initialize = initialize;
    }

    public Map<String, Server> getServers() {
        return servers;
    }

    /** {@code shardcache.sharding.servers.<name>.*}: one physical server. */
    public static class Server {

        /** The logical shards this server holds, as first-last (inclusive), such as 0-7. */
        private @Nullable String shards;

        /** The primary's connection pool: jdbc-url, username, password, maximum-pool-size and HikariCP's other settings. */
        @NestedConfigurationProperty
        private HikariConfig pool = new HikariConfig();

        /** Read replicas of this server, each a connection pool as above. */
        private List<HikariConfig> replicas = new ArrayList<>();

        public @Nullable String getShards() {
            return shards;
        }

        public void setShards(@Nullable String shards) {
            this.shards = shards;
        }

        public HikariConfig getPool() {
            return pool;
        }

        public void setPool(HikariConfig pool) {
            this.pool = pool;
        }

        public List<HikariConfig> getReplicas() {
            return replicas;
        }

        public void setReplicas(List<HikariConfig> replicas) {
            this.replicas = replicas;
        }
    }
}
