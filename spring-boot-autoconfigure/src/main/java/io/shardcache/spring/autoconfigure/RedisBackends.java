package io.shardcache.spring.autoconfigure;

import io.shardcache.query.BackendRing;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.spring.autoconfigure.ShardcacheProperties.Redis;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code shardcache.redis.*} made into a backend; a contradiction or a bad value names its property. */
final class RedisBackends {

    private RedisBackends() {
    }

    static CacheBackend build(Redis p) {
        List<String> set = new ArrayList<>();
        if (p.getUri() != null) set.add("shardcache.redis.uri");
        if (!p.getClusterNodes().isEmpty()) set.add("shardcache.redis.cluster-nodes");
        if (p.getSentinelMaster() != null || !p.getSentinels().isEmpty()) set.add("shardcache.redis.sentinel-master/sentinels");
        if (!p.getRing().isEmpty()) set.add("shardcache.redis.ring");
        if (set.size() > 1)
            throw new IllegalStateException("set one of " + String.join(", ", set) + ", not " + set.size()
                + ": they are different ways to reach Redis");
        try {
            if (!p.getRing().isEmpty()) {
                BackendRing.Builder ring = BackendRing.builder();
                for (Map.Entry<String, String> node : p.getRing().entrySet())
                    ring.node(node.getKey(), settings(RedisCacheBackend.builder(node.getValue()), p).build());
                return ring.build();
            }
            if (!p.getClusterNodes().isEmpty())
                return settings(RedisCacheBackend.clusterBuilder(p.getClusterNodes()), p).build();
            if (p.getSentinelMaster() != null || !p.getSentinels().isEmpty()) {
                if (p.getSentinelMaster() == null || p.getSentinels().isEmpty())
                    throw new IllegalStateException("shardcache.redis.sentinel-master and shardcache.redis.sentinels go"
                        + " together, but only " + (p.getSentinelMaster() == null ? "sentinels" : "sentinel-master") + " is set");
                return settings(RedisCacheBackend.sentinelBuilder(p.getSentinelMaster(), p.getSentinels()), p).build();
            }
            return settings(RedisCacheBackend.builder(String.valueOf(p.getUri())), p).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("shardcache.redis: " + e.getMessage(), e);
        }
    }

    private static RedisCacheBackend.Builder settings(RedisCacheBackend.Builder b, Redis p) {
        if (p.getKeyPrefix() != null) b.keyPrefix(p.getKeyPrefix());
        if (p.getCommandTimeout() != null) b.commandTimeout(p.getCommandTimeout());
        if (p.getTrustedCertificates() != null) b.trustedCertificates(p.getTrustedCertificates());
        if (p.getReadConnections() != null) b.readConnections(p.getReadConnections());
        return b;
    }
}
