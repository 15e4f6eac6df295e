package io.shardcache.redis.internal;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.redisson.config.Config;

/**
 * What a backend talks to: one Redis server, or a Redis Cluster reached through seed nodes. Every
 * seed of a cluster has the same user, password and TLS settings (the cluster's nodes share them),
 * and database 0 (the only one a cluster has). Immutable.
 */
public final class RedisServers {

    private final List<RedisEndpoint> seeds;
    private final boolean cluster;

    private RedisServers(List<RedisEndpoint> seeds, boolean cluster) {
        this.seeds = List.copyOf(seeds);
        this.cluster = cluster;
    }

    /** One server; see {@link RedisEndpoint#parse}. */
    public static RedisServers single(String redisUri) {
        return new RedisServers(List.of(RedisEndpoint.parse(redisUri)), false);
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
        return new RedisServers(seeds, true);
    }

    /** True if the servers are reached over TLS ({@code rediss://}; a cluster's seeds all are, or none). */
    public boolean tls() {
        return seeds.getFirst().tls();
    }

    public boolean cluster() {
        return cluster;
    }

    public List<RedisEndpoint> seeds() {
        return seeds;
    }

    /** For Lettuce: each seed's URI with the command timeout set. */
    public List<RedisURI> lettuceUris(Duration commandTimeout) {
        return seeds.stream().map(s -> s.lettuceUri(commandTimeout)).toList();
    }

    /** {@code redis://host:port}, or {@code cluster redis://a:1,b:2} for a cluster's seeds; never credentials. */
    public String describe() {
        if (!cluster)
            return seeds.getFirst().describe();
        return "cluster " + seeds.getFirst().describe().replaceFirst("://.*", "://")
            + seeds.stream().map(RedisEndpoint::address).collect(Collectors.joining(","));
    }

    /** The first seed's {@code host:port}, for thread names. */
    public String address() {
        return seeds.getFirst().address() + (cluster ? "+" : "");
    }

    /** Points a Redisson configuration at the server or the cluster, as the same user with the same TLS settings. */
    public void configure(Config config) {
        if (cluster)
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
