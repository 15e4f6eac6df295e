package io.shardcache.redis.internal;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.redisson.config.Config;

/**
 * What a backend talks to: one Redis server; a Redis Cluster reached through seed nodes; or the
 * master that Redis Sentinels name, reached through the Sentinels. Every seed of a cluster has the
 * same user, password and TLS settings (the cluster's nodes share them), and database 0 (the only
 * one a cluster has). The Sentinels' URIs carry the user, password, database and TLS settings of the
 * master and its replicas, alike in each; the Sentinels themselves are asked without credentials.
 * Immutable.
 */
public final class RedisServers {

    private static final String SENTINEL_SCHEME = "redis-sentinel";

    private final List<RedisEndpoint> seeds;
    private final boolean cluster;
    /** The name under which the Sentinels know the master; null unless the servers are found through Sentinels. */
    private final @Nullable String masterName;

    private RedisServers(List<RedisEndpoint> seeds, boolean cluster, @Nullable String masterName) {
        this.seeds = List.copyOf(seeds);
        this.cluster = cluster;
        this.masterName = masterName;
    }

    /**
     * One server; see {@link RedisEndpoint#parse}. A {@code redis-sentinel://} URI (Lettuce's form,
     * {@code redis-sentinel://[[user]:password@]host[:port][,host2[:port2]...][/database]#masterName})
     * names Sentinels instead: see {@link #sentinel}.
     */
    public static RedisServers single(String redisUri) {
        Objects.requireNonNull(redisUri, "redisUri");
        if (redisUri.strip().startsWith(SENTINEL_SCHEME + "://"))
            return sentinelUri(redisUri.strip());
        return new RedisServers(List.of(RedisEndpoint.parse(redisUri)), false, null);
    }

    private static RedisServers sentinelUri(String uri) {
        String shown = RedisEndpoint.mask(uri);
        int hash = uri.indexOf('#');
        if (hash < 0 || hash == uri.length() - 1)
            throw new IllegalArgumentException("redisUri '" + shown + "' names no master: expected "
                + "redis-sentinel://[[user]:password@]host[:port][,host2[:port2]...][/database]#masterName, or redis://host[:port] for one server");
        String masterName = uri.substring(hash + 1);
        String rest = uri.substring((SENTINEL_SCHEME + "://").length(), hash);
        String userInfo = "";
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            userInfo = rest.substring(0, at + 1);
            rest = rest.substring(at + 1);
        }
        String database = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            database = rest.substring(slash);
            rest = rest.substring(0, slash);
        }
        List<String> sentinels = new ArrayList<>();
        for (String hostPort : rest.split(",", -1)) {   // -1: a trailing comma is an empty address too
            if (hostPort.isBlank())
                throw new IllegalArgumentException("redisUri '" + shown + "' has an empty Sentinel address");
            sentinels.add("redis://" + userInfo + (hostPort.contains(":") ? hostPort : hostPort + ":26379") + database);
        }
        return sentinel(masterName, sentinels);
    }

    /**
     * The master that the Sentinels at {@code sentinelUris} know as {@code masterName}, and its
     * replicas; both clients ask the Sentinels again after a failover.
     *
     * @throws IllegalArgumentException naming the Sentinel URI (its password masked) that is not a
     *         {@code redis://} or {@code rediss://} URI, is repeated, or is unlike the first
     */
    public static RedisServers sentinel(String masterName, List<String> sentinelUris) {
        Objects.requireNonNull(masterName, "masterName");
        Objects.requireNonNull(sentinelUris, "sentinelUris");
        if (masterName.isBlank())
            throw new IllegalArgumentException("masterName is blank: give the name under which the Sentinels monitor the master");
        if (sentinelUris.isEmpty())
            throw new IllegalArgumentException("Redis Sentinel needs at least one Sentinel URI, got none");
        List<RedisEndpoint> sentinels = new ArrayList<>();
        Set<String> addresses = new HashSet<>();
        for (String uri : sentinelUris) {
            RedisEndpoint e = RedisEndpoint.parse(Objects.requireNonNull(uri, "Sentinel URI"));
            if (!addresses.add(e.address()))
                throw new IllegalArgumentException("Sentinel " + e.address() + " is given twice");
            if (!sentinels.isEmpty() && (!sentinels.getFirst().sameAccessAs(e) || sentinels.getFirst().database() != e.database()))
                throw new IllegalArgumentException("Sentinel '" + RedisEndpoint.mask(uri) + "' differs from '" + sentinels.getFirst().describe()
                    + "' in scheme, user, password, database or verifyPeer: they name how the one master is reached");
            sentinels.add(e);
        }
        return new RedisServers(sentinels, false, masterName);
    }

    /**
     * A cluster, found through {@code seedUris} (any of its nodes; the others are discovered).
     *
     * @throws IllegalArgumentException naming the seed (its password masked) that is not a
     *         {@code redis://} or {@code rediss://} URI of database 0, repeated, or unlike the first seed
     */
    public static RedisServers cluster(List<String> seedUris) {
        Objects.requireNonNull(seedUris, "seedUris");
        if (seedUris.isEmpty())
            throw new IllegalArgumentException("a Redis Cluster needs at least one seed node URI, got none");
        List<RedisEndpoint> seeds = new ArrayList<>();
        Set<String> addresses = new HashSet<>();
        for (String uri : seedUris) {
            RedisEndpoint e = RedisEndpoint.parse(Objects.requireNonNull(uri, "seed URI"));
            if (e.database() != 0)
                throw new IllegalArgumentException("seed '" + RedisEndpoint.mask(uri) + "' names database " + e.database()
                    + "; a Redis Cluster has only database 0");
            if (!addresses.add(e.address()))
                throw new IllegalArgumentException("seed " + e.address() + " is given twice");
            if (!seeds.isEmpty() && !seeds.getFirst().sameAccessAs(e))
                throw new IllegalArgumentException("seed '" + RedisEndpoint.mask(uri) + "' differs from '" + seeds.getFirst().describe()
                    + "' in scheme, user, password or verifyPeer: the nodes of one cluster are reached the same way");
            seeds.add(e);
        }
        return new RedisServers(seeds, true, null);
    }

    /** True if the servers are reached over TLS ({@code rediss://}; a cluster's seeds all are, or none). */
    public boolean tls() {
        return seeds.getFirst().tls();
    }

    public boolean cluster() {
        return cluster;
    }

    /** True if the master is found through Sentinels. */
    public boolean sentinel() {
        return masterName != null;
    }

    public List<RedisEndpoint> seeds() {
        return seeds;
    }

    /**
     * For Lettuce: each seed's URI with the command timeout set; for Sentinels, one URI naming them
     * all and the master, which Lettuce resolves on every (re)connection.
     */
    public List<RedisURI> lettuceUris(Duration commandTimeout) {
        if (masterName != null)
            return List.of(RedisEndpoint.lettuceSentinelUri(seeds, masterName, commandTimeout));
        return seeds.stream().map(s -> s.lettuceUri(commandTimeout)).toList();
    }

    /**
     * {@code redis://host:port}, {@code cluster redis://a:1,b:2} for a cluster's seeds, or
     * {@code sentinel mymaster redis://a:26379,b:26379}; never credentials.
     */
    public String describe() {
        if (masterName != null)
            return "sentinel " + masterName + " " + seeds.getFirst().describe().replaceFirst("://.*", "://")
                + seeds.stream().map(RedisEndpoint::address).collect(Collectors.joining(","))
                + (seeds.getFirst().database() == 0 ? "" : "/" + seeds.getFirst().database());
        if (!cluster)
            return seeds.getFirst().describe();
        return "cluster " + seeds.getFirst().describe().replaceFirst("://.*", "://")
            + seeds.stream().map(RedisEndpoint::address).collect(Collectors.joining(","));
    }

    /** The first seed's {@code host:port}, for thread names. */
    public String address() {
        return seeds.getFirst().address() + (cluster || masterName != null ? "+" : "");
    }

    /** Points a Redisson configuration at the server or the cluster, as the same user with the same TLS settings. */
    public void configure(Config config) {
        if (masterName != null)
            RedisEndpoint.configureSentinel(config, seeds, masterName);
        else if (cluster)
            RedisEndpoint.configureCluster(config, seeds);
        else
            seeds.getFirst().configure(config);
    }

    /** {@code text} with any seed's password, should a library have quoted it, replaced by {@code ***}. */
    public String scrub(String text) {
        return seeds.getFirst().scrub(text);   // every seed has the same password
    }

    @Override
    public String toString() {
        return describe();
    }
}
