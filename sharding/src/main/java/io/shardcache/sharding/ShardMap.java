package io.shardcache.sharding;

import com.zaxxer.hikari.HikariConfig;
import io.shardcache.sharding.internal.Identifiers;
import io.shardcache.sharding.internal.MetadataTable;
import io.shardcache.sharding.internal.Options;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where every logical shard lives: how many logical shards there are, how their schemas are named, which
 * physical server (database) holds which range of them, and the read replicas of each server.
 *
 * <pre>{@code
 * ShardMap map = ShardMap.builder()
 *     .logicalShards(4096)                       // fixed for the life of the data
 *     .schemaPattern("shard_%04d")
 *     .applicationSchema("app")                  // the schema your jOOQ tables are written against
 *     .physical("db1", hikariConfig1, 0, 2048)   // logical shards [0, 2048)
 *     .physical("db2", hikariConfig2, 2048, 4096)
 *     .replica("db1", replicaConfig)
 *     .build();
 * }</pre>
 *
 * <p>An immutable value, safe to share between threads: the builder copies each {@link HikariConfig}
 * when it is passed, so changing a config afterwards changes nothing here. A map opens no connection;
 * {@link Sharding#create(ShardMap, ShardRouter)} does.
 *
 * <p>{@link Builder#build()} refuses a map whose ranges leave a logical shard without a server or give one
 * to two servers, whose schema pattern does not yield a valid, distinct PostgreSQL schema name for every
 * shard, or whose replicas name an unknown server; the {@link IllegalArgumentException} names the gap,
 * the overlap, the shard or the name.
 */
public final class ShardMap {

    /**
     * The schema the application's jOOQ tables are written against when {@link Builder#applicationSchema}
     * is not set: {@code public}, where jOOQ's code generator puts PostgreSQL tables by default.
     */
    public static final String DEFAULT_APPLICATION_SCHEMA = "public";

    /** The schema pattern when {@link Builder#schemaPattern} is not set. */
    public static final String DEFAULT_SCHEMA_PATTERN = "shard_%04d";

    /**
     * The largest number of logical shards: each is a schema with its own tables, and PostgreSQL's catalogs
     * (and {@code pg_dump}) slow down well before a database holds this many schemas. It is also the
     * reach of 16 bits, more than the 13 bits of shard that IDs carry.
     */
    public static final int MAX_LOGICAL_SHARDS = 65_536;

    private static final Pattern SERVER_NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,63}");

    private final int logicalShards;
    private final String schemaPattern;
    private final String applicationSchema;
    private final String[] schemas;
    private final List<PhysicalServer> servers;
    /** Index into {@link #servers} of each logical shard's initial server. */
    private final int[] owners;
    private final Map<String, HikariConfig> primaryConfigs;
    private final Map<String, List<HikariConfig>> replicaConfigs;

    private ShardMap(int logicalShards, String schemaPattern, String applicationSchema, String[] schemas,
                     List<PhysicalServer> servers, Map<String, HikariConfig> primaryConfigs,
                     Map<String, List<HikariConfig>> replicaConfigs) {
        this.logicalShards = logicalShards;
        this.schemaPattern = schemaPattern;
        this.applicationSchema = applicationSchema;
        this.schemas = schemas;
        this.servers = servers;
        this.owners = new int[logicalShards];
        for (int i = 0; i < servers.size(); i++)
            for (int shard = servers.get(i).firstShard(); shard < servers.get(i).endShard(); shard++)
                owners[shard] = i;
        this.primaryConfigs = primaryConfigs;
        this.replicaConfigs = replicaConfigs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The number of logical shards, fixed for the life of the data. */
    public int logicalShards() {
        return logicalShards;
    }

    /** The {@link String#format} pattern that names each logical shard's schema. */
    public String schemaPattern() {
        return schemaPattern;
    }

    /** The schema name the application's queries are written against; mapped to the shard's schema when rendered. */
    public String applicationSchema() {
        return applicationSchema;
    }

    /**
     * The physical servers, ordered by the first logical shard they are declared with; servers declared
     * without shards ({@link Builder#physical(String, HikariConfig)}) come last.
     */
    public List<PhysicalServer> servers() {
        return servers;
    }

    /**
     * The schema of logical shard {@code shard}, unquoted.
     *
     * @throws ShardingException if {@code shard} is not in {@code [0, logicalShards)}
     */
    public String schemaOf(int shard) {
        checkShard(shard);
        return schemas[shard];
    }

    /**
     * The physical server this map declares for logical shard {@code shard}: where the shard was created.
     * After {@linkplain ShardMoves moves} the shard may live elsewhere; {@link Sharding#serverOf(int)} says
     * where it is now.
     *
     * @throws ShardingException if {@code shard} is not in {@code [0, logicalShards)}
     */
    public PhysicalServer serverOf(int shard) {
        checkShard(shard);
        return servers.get(owners[shard]);
    }

    /** The index in {@link #servers()} of the server named {@code name}, or -1. */
    int indexOf(String name) {
        for (int i = 0; i < servers.size(); i++)
            if (servers.get(i).name().equals(name))
                return i;
        return -1;
    }

    /**
     * The physical server named {@code name}.
     *
     * @throws IllegalArgumentException listing the known names if there is none
     */
    public PhysicalServer server(String name) {
        for (PhysicalServer s : servers)
            if (s.name().equals(name))
                return s;
        throw new IllegalArgumentException("unknown physical server '" + name + "': the map has " + names(servers));
    }

    void checkShard(int shard) {
        if (shard < 0 || shard >= logicalShards)
            throw new ShardingException("logical shard " + shard + " does not exist: the map has "
                + logicalShards + " logical shards, [0, " + logicalShards + ")", shard, null, null);
    }

    /** A fresh copy of the primary pool's configuration of server {@code name}, for the caller to own. */
    HikariConfig primaryConfig(String name) {
        return copy(Objects.requireNonNull(primaryConfigs.get(name), () -> "primary config of physical server " + name));
    }

    /** Fresh copies of the replica pool configurations of server {@code name}, in declaration order. */
    List<HikariConfig> replicaConfigs(String name) {
        return replicaConfigs.getOrDefault(name, List.of()).stream().map(ShardMap::copy).toList();
    }

    @Override
    public String toString() {
        return "ShardMap[logicalShards=" + logicalShards + ", schemaPattern=" + schemaPattern
            + ", applicationSchema=" + applicationSchema + ", servers=" + names(servers) + "]";
    }

    private static List<String> names(List<PhysicalServer> servers) {
        return servers.stream().map(PhysicalServer::describe).toList();
    }

    private static HikariConfig copy(HikariConfig config) {
        HikariConfig copy = new HikariConfig();
        config.copyStateTo(copy);
        return copy;
    }

    private static String address(HikariConfig config) {
        String url = config.getJdbcUrl();
        if (url != null) {
            int q = url.indexOf('?');
            return q < 0 ? url : url.substring(0, q);
        }
        if (config.getDataSourceClassName() != null)
            return config.getDataSourceClassName();
        return config.getDataSource() != null ? config.getDataSource().getClass().getName() : "(no address)";
    }

    /**
     * Collects a map's settings. Each option may be set once and each physical server declared once;
     * {@link #build()} checks the whole map. Not thread-safe: one builder belongs to one thread.
     */
    public static final class Builder {
        private @Nullable Integer logicalShards;
        private @Nullable String schemaPattern;
        private @Nullable String applicationSchema;
        private final Map<String, Declared> physicals = new LinkedHashMap<>();
        private final List<Map.Entry<String, HikariConfig>> replicas = new ArrayList<>();

        private record Declared(String name, HikariConfig config, int from, int to) {
            String describe() {
                return from == to ? name + " (no initial shards)" : name + " [" + from + ", " + to + ")";
            }

            boolean empty() {
                return from == to;
            }
        }

        private Builder() {
        }

        /**
         * How many logical shards the data is split into: fixed for the life of the data, since routers
         * place keys by it. Between 1 and {@link #MAX_LOGICAL_SHARDS}.
         */
        public Builder logicalShards(int logicalShards) {
            Options.once("logicalShards", this.logicalShards);
            if (logicalShards < 1 || logicalShards > MAX_LOGICAL_SHARDS)
                throw new IllegalArgumentException("logicalShards " + logicalShards + " is outside [1, " + MAX_LOGICAL_SHARDS + "]");
            this.logicalShards = logicalShards;
            return this;
        }

        /**
         * The {@link String#format} pattern (formatted with {@link java.util.Locale#ROOT} and the shard
         * number) that names each logical shard's schema; default {@link #DEFAULT_SCHEMA_PATTERN}. Every
         * name must be a valid PostgreSQL schema name (at most 63 bytes, no {@code pg_} prefix) and no two
         * shards may share one; names are quoted when rendered, so case is kept.
         */
        public Builder schemaPattern(String schemaPattern) {
            Options.once("schemaPattern", this.schemaPattern);
            this.schemaPattern = Objects.requireNonNull(schemaPattern, "schemaPattern");
            return this;
        }

        /**
         * The schema the application's jOOQ tables are written against (the schema jOOQ's code generator
         * read, or the one named in {@code DSL.table(name("app", "users"))}); every sharded query renders
         * it as the shard's schema. Default {@link #DEFAULT_APPLICATION_SCHEMA}. Tables referenced without
         * a schema are not mapped and resolve through the connection's {@code search_path}: qualify them.
         */
        public Builder applicationSchema(String applicationSchema) {
            Options.once("applicationSchema", this.applicationSchema);
            Objects.requireNonNull(applicationSchema, "applicationSchema");
            String problem = Identifiers.problemWith(applicationSchema);
            if (problem != null)
                throw new IllegalArgumentException("applicationSchema '" + applicationSchema + "' is not a valid schema name: " + problem);
            this.applicationSchema = applicationSchema;
            return this;
        }

        /**
         * Declares physical server {@code name}, reached through {@code config}, holding the logical shards
         * {@code [from, to)}. The config is copied now; the pool is created by {@link Sharding}.
         */
        public Builder physical(String name, HikariConfig config, int from, int to) {
            checkNew(name, config);
            if (from < 0 || to <= from)
                throw new IllegalArgumentException("physical server '" + name + "' has the empty or negative range ["
                    + from + ", " + to + "): a range is [from, to) with 0 <= from < to");
            physicals.put(name, new Declared(name, copy(config), from, to));
            return this;
        }

        /**
         * Declares physical server {@code name}, reached through {@code config}, holding no logical shard at
         * first: a server added to the fleet, which shards are then {@linkplain ShardMoves moved} to.
         */
        public Builder physical(String name, HikariConfig config) {
            checkNew(name, config);
            physicals.put(name, new Declared(name, copy(config), 0, 0));
            return this;
        }

        private void checkNew(@Nullable String name, HikariConfig config) {
            Objects.requireNonNull(config, () -> "HikariConfig of physical server " + name);
            if (name == null || !SERVER_NAME.matcher(name).matches())
                throw new IllegalArgumentException("physical server name " + (name == null ? "null" : "'" + name + "'")
                    + " is not valid: use 1 to 63 letters, digits, '_', '.' or '-'");
            Declared earlier = physicals.get(name);
            if (earlier != null)
                throw new IllegalArgumentException("physical server '" + name + "' is already declared as "
                    + earlier.describe() + "; declare each server once");
        }

        /**
         * Adds a read replica of physical server {@code physicalName}; a server may have any number. The
         * server may be declared before or after its replicas; an unknown name fails at {@link #build()}.
         */
        public Builder replica(String physicalName, HikariConfig config) {
            Objects.requireNonNull(physicalName, "physicalName");
            Objects.requireNonNull(config, () -> "HikariConfig of a replica of " + physicalName);
            replicas.add(Map.entry(physicalName, copy(config)));
            return this;
        }

        /**
         * Checks the whole map and returns it.
         *
         * @throws IllegalStateException    if {@code logicalShards} or every physical server is missing
         * @throws IllegalArgumentException naming every gap and overlap between ranges, a range past the last
         *                                  shard, a schema pattern that fails, or a replica of an unknown server
         */
        public ShardMap build() {
            if (logicalShards == null)
                throw new IllegalStateException("logicalShards(int) is required: the number of logical shards is fixed for the life of the data");
            if (physicals.isEmpty())
                throw new IllegalStateException("no physical server declared: declare at least one with physical(name, config, from, to)");
            int n = logicalShards;
            List<Declared> sorted = new ArrayList<>(physicals.values());
            // Servers without initial shards last: they take no part in the sweep of ranges below.
            sorted.sort(Comparator.comparing(Declared::empty).thenComparingInt(Declared::from).thenComparingInt(Declared::to));
            List<String> problems = new ArrayList<>();
            for (Declared d : sorted)
                if (d.to > n)
                    problems.add("physical server " + d.describe() + " reaches past the last logical shard: there are "
                        + n + " logical shards, [0, " + n + ")");
            // Sweep the ranges in order; `reach` is how far the shards seen so far are covered and `reacher`
            // the server that covers up to it, so an overlap names the two servers that claim its shards.
            int reach = 0;
            Declared reacher = null;
            for (Declared d : sorted) {
                if (d.empty())
                    continue;
                int from = Math.min(d.from, n);
                int to = Math.min(d.to, n);
                if (from > reach)
                    problems.add("logical shards [" + reach + ", " + from + ") belong to no physical server");
                else if (from < reach && reacher != null)
                    problems.add("logical shards [" + from + ", " + Math.min(reach, to) + ") are claimed by both "
                        + reacher.describe() + " and " + d.describe());
                if (to > reach) {
                    reach = to;
                    reacher = d;
                }
            }
            if (reach < n)
                problems.add("logical shards [" + reach + ", " + n + ") belong to no physical server");
            Map<String, List<HikariConfig>> replicaConfigs = new LinkedHashMap<>();
            for (var r : replicas) {
                if (!physicals.containsKey(r.getKey()))
                    problems.add("replica of unknown physical server '" + r.getKey() + "': the known servers are "
                        + physicals.keySet());
                else
                    replicaConfigs.computeIfAbsent(r.getKey(), k -> new ArrayList<>()).add(r.getValue());
            }
            if (!problems.isEmpty())
                throw new IllegalArgumentException("invalid shard map with " + n + " logical shards: " + String.join("; ", problems));
            checkDistinctUrls(sorted);

            String pattern = schemaPattern != null ? schemaPattern : DEFAULT_SCHEMA_PATTERN;
            String appSchema = applicationSchema != null ? applicationSchema : DEFAULT_APPLICATION_SCHEMA;
            String[] schemas = Identifiers.schemaNames(pattern, n,
                Map.of(MetadataTable.SCHEMA, "shardcache's metadata (the recorded shard map)"));
            List<PhysicalServer> servers = new ArrayList<>();
            Map<String, HikariConfig> primaryConfigs = new LinkedHashMap<>();
            for (Declared d : sorted) {
                int replicaCount = replicaConfigs.getOrDefault(d.name, List.of()).size();
                servers.add(new PhysicalServer(d.name, d.from, d.to, replicaCount, address(d.config)));
                primaryConfigs.put(d.name, d.config);
            }
            replicaConfigs.replaceAll((k, v) -> List.copyOf(v));
            return new ShardMap(n, pattern, appSchema, schemas, List.copyOf(servers), Map.copyOf(primaryConfigs),
                Map.copyOf(replicaConfigs));
        }

        // Two servers on one database would hold each other's schemas and records; catch the copy-paste
        // mistake here rather than at the first metadata check.
        private static void checkDistinctUrls(List<Declared> servers) {
            Map<String, String> byUrl = new LinkedHashMap<>();
            for (Declared d : servers) {
                String url = d.config.getJdbcUrl();
                if (url == null)
                    continue;
                String other = byUrl.putIfAbsent(url, d.name);
                if (other != null)
                    throw new IllegalArgumentException("physical servers '" + other + "' and '" + d.name
                        + "' have the same JDBC URL " + address(d.config) + ": each physical server is its own database");
            }
        }

    }
}
