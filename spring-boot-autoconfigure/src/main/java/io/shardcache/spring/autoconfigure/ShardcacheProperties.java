package io.shardcache.spring.autoconfigure;

import io.shardcache.query.OnBackendFailure;
import io.shardcache.query.OnLockTimeout;
import io.shardcache.query.OnRefreshFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code shardcache.*} properties. Unknown names under {@code shardcache} fail start-up, so a misspelt
 * region setting is an error, not a silent default. Every setting left out takes shardcache's default (see
 * {@code io.shardcache.query.Region} and {@code RedisCacheBackend}).
 */
@ConfigurationProperties(prefix = "shardcache", ignoreUnknownFields = false)
public class ShardcacheProperties {

    /** Whether shardcache is configured at all. */
    private boolean enabled = true;

    /** Where the Redis regions live; none of uri, cluster-nodes or ring set means in-process regions (Caffeine). */
    private final Redis redis = new Redis();

    /** The regions by name, each with its settings. */
    private final Map<String, RegionProperties> regions = new LinkedHashMap<>();

    /** The breaker a CachingDSL puts around a backend of one server. */
    private final CircuitBreaker circuitBreaker = new CircuitBreaker();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Redis getRedis() {
        return redis;
    }

    public Map<String, RegionProperties> getRegions() {
        return regions;
    }

    public CircuitBreaker getCircuitBreaker() {
        return circuitBreaker;
    }

    /** {@code shardcache.redis.*}: at most one of uri, cluster-nodes, sentinel-master or ring. */
    public static class Redis {

        /** One Redis server, such as redis://cache.internal:6379 or rediss://user:pw@host:6380. */
        private @Nullable String uri;

        /** Seed nodes of a Redis Cluster, such as redis://10.0.0.1:7000. */
        private List<String> clusterNodes = new ArrayList<>();

        /** The master name Redis Sentinel knows the master by; with sentinels. */
        private @Nullable String sentinelMaster;

        /** The Sentinels to ask for the master, such as redis://sentinel-1:26379. */
        private List<String> sentinels = new ArrayList<>();

        /**
         * Several standalone servers as one ring, by node name (every process must use the same names):
         * shardcache.redis.ring.cache-1=redis://cache-1:6379.
         */
        private Map<String, String> ring = new LinkedHashMap<>();

        /** Prefix of every key shardcache writes, so that applications can share a Redis. */
        private @Nullable String keyPrefix;

        /** How long one Redis command may take before the call fails (and the read runs on the database). */
        private @Nullable Duration commandTimeout;

        /** A PEM file of the certificates to trust for rediss://, instead of the JDK's. */
        private @Nullable Path trustedCertificates;

        /** How many connections to Redis reads are spread over, each with an I/O thread of its own (1 to 64). */
        private @Nullable Integer readConnections;

        public @Nullable Integer getReadConnections() {
            return readConnections;
        }

        public void setReadConnections(@Nullable Integer readConnections) {
            this.readConnections = readConnections;
        }

        public @Nullable String getUri() {
            return uri;
        }

        public void setUri(@Nullable String uri) {
            this.uri = uri;
        }

        public List<String> getClusterNodes() {
            return clusterNodes;
        }

        public void setClusterNodes(List<String> clusterNodes) {
            this.clusterNodes = clusterNodes;
        }

        public @Nullable String getSentinelMaster() {
            return sentinelMaster;
        }

        public void setSentinelMaster(@Nullable String sentinelMaster) {
            this.sentinelMaster = sentinelMaster;
        }

        public List<String> getSentinels() {
            return sentinels;
        }

        public void setSentinels(List<String> sentinels) {
            this.sentinels = sentinels;
        }

        public Map<String, String> getRing() {
            return ring;
        }

        public void setRing(Map<String, String> ring) {
            this.ring = ring;
        }

        public @Nullable String getKeyPrefix() {
            return keyPrefix;
        }

        public void setKeyPrefix(@Nullable String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public @Nullable Duration getCommandTimeout() {
            return commandTimeout;
        }

        public void setCommandTimeout(@Nullable Duration commandTimeout) {
            this.commandTimeout = commandTimeout;
        }

        public @Nullable Path getTrustedCertificates() {
            return trustedCertificates;
        }

        public void setTrustedCertificates(@Nullable Path trustedCertificates) {
            this.trustedCertificates = trustedCertificates;
        }

        boolean configured() {
            return uri != null || !clusterNodes.isEmpty() || sentinelMaster != null || !sentinels.isEmpty() || !ring.isEmpty();
        }
    }

    /** {@code shardcache.regions.<name>.*}: one region's settings. */
    public static class RegionProperties {

        /** How long an entry is fresh. */
        private @Nullable Duration ttl;

        /** How long a stale entry may still be served while one caller regenerates it. */
        private @Nullable Duration staleFor;

        /** Serve stale entries at once and refresh them in the background; needs stale-for. */
        private @Nullable Boolean asyncRefresh;

        /** Probabilistic early refresh (XFetch's beta): 0 off, 1 the paper's default. */
        private @Nullable Double earlyRefresh;

        /** How long a miss waits for another caller's regeneration. */
        private @Nullable Duration lockWait;

        /** How long a regeneration lock is held at most if its holder never releases it. */
        private @Nullable Duration lockLease;

        /** Entries larger than this (after compression) are not stored. */
        private @Nullable DataSize maxEntrySize;

        /** Results whose encoding is larger than this are compressed. */
        private @Nullable DataSize compressAbove;

        /** What a caller does when lock-wait runs out. */
        private @Nullable OnLockTimeout onLockTimeout;

        /** What a caller does when the backend fails. */
        private @Nullable OnBackendFailure onBackendFailure;

        /** What the caller that refreshes a stale entry gets when the query fails. */
        private @Nullable OnRefreshFailure onRefreshFailure;

        /** Entries kept in this process in front of Redis; 0 or unset keeps none. */
        private @Nullable Integer nearCacheEntries;

        /** How long a near-cache copy is kept at most; with near-cache-entries. */
        private @Nullable Duration nearCacheMaxAge;

        /** How far behind Redis' change messages the near cache may be and still serve. */
        private @Nullable Duration nearCacheMaxLag;

        /** Whether writes to the tables a query reads make its entries misses. */
        private @Nullable Boolean tableGenerations;

        /** Whether a key whose entries writes outdate faster than they are read runs on the database for a while. */
        private @Nullable Boolean churnBypass;

        public @Nullable Duration getTtl() {
            return ttl;
        }

        public void setTtl(@Nullable Duration ttl) {
            this.ttl = ttl;
        }

        public @Nullable Duration getStaleFor() {
            return staleFor;
        }

        public void setStaleFor(@Nullable Duration staleFor) {
            this.staleFor = staleFor;
        }

        public @Nullable Boolean getAsyncRefresh() {
            return asyncRefresh;
        }

        public void setAsyncRefresh(@Nullable Boolean asyncRefresh) {
            this.asyncRefresh = asyncRefresh;
        }

        public @Nullable Double getEarlyRefresh() {
            return earlyRefresh;
        }

        public void setEarlyRefresh(@Nullable Double earlyRefresh) {
            this.earlyRefresh = earlyRefresh;
        }

        public @Nullable Duration getLockWait() {
            return lockWait;
        }

        public void setLockWait(@Nullable Duration lockWait) {
            this.lockWait = lockWait;
        }

        public @Nullable Duration getLockLease() {
            return lockLease;
        }

        public void setLockLease(@Nullable Duration lockLease) {
            this.lockLease = lockLease;
        }

        public @Nullable DataSize getMaxEntrySize() {
            return maxEntrySize;
        }

        public void setMaxEntrySize(@Nullable DataSize maxEntrySize) {
            this.maxEntrySize = maxEntrySize;
        }

        public @Nullable DataSize getCompressAbove() {
            return compressAbove;
        }

        public void setCompressAbove(@Nullable DataSize compressAbove) {
            this.compressAbove = compressAbove;
        }

        public @Nullable OnLockTimeout getOnLockTimeout() {
            return onLockTimeout;
        }

        public void setOnLockTimeout(@Nullable OnLockTimeout onLockTimeout) {
            this.onLockTimeout = onLockTimeout;
        }

        public @Nullable OnBackendFailure getOnBackendFailure() {
            return onBackendFailure;
        }

        public void setOnBackendFailure(@Nullable OnBackendFailure onBackendFailure) {
            this.onBackendFailure = onBackendFailure;
        }

        public @Nullable OnRefreshFailure getOnRefreshFailure() {
            return onRefreshFailure;
        }

        public void setOnRefreshFailure(@Nullable OnRefreshFailure onRefreshFailure) {
            this.onRefreshFailure = onRefreshFailure;
        }

        public @Nullable Integer getNearCacheEntries() {
            return nearCacheEntries;
        }

        public void setNearCacheEntries(@Nullable Integer nearCacheEntries) {
            this.nearCacheEntries = nearCacheEntries;
        }

        public @Nullable Duration getNearCacheMaxAge() {
            return nearCacheMaxAge;
        }

        public void setNearCacheMaxAge(@Nullable Duration nearCacheMaxAge) {
            this.nearCacheMaxAge = nearCacheMaxAge;
        }

        public @Nullable Duration getNearCacheMaxLag() {
            return nearCacheMaxLag;
        }

        public void setNearCacheMaxLag(@Nullable Duration nearCacheMaxLag) {
            this.nearCacheMaxLag = nearCacheMaxLag;
        }

        public @Nullable Boolean getTableGenerations() {
            return tableGenerations;
        }

        public void setTableGenerations(@Nullable Boolean tableGenerations) {
            this.tableGenerations = tableGenerations;
        }

        public @Nullable Boolean getChurnBypass() {
            return churnBypass;
        }

        public void setChurnBypass(@Nullable Boolean churnBypass) {
            this.churnBypass = churnBypass;
        }
    }

    /** {@code shardcache.circuit-breaker.*}. */
    public static class CircuitBreaker {

        /** Consecutive backend failures that open the circuit. */
        private @Nullable Integer failures;

        /** How long an open circuit sends every read to the database before one probes the backend. */
        private @Nullable Duration openFor;

        public @Nullable Integer getFailures() {
            return failures;
        }

        public void setFailures(@Nullable Integer failures) {
            this.failures = failures;
        }

        public @Nullable Duration getOpenFor() {
            return openFor;
        }

        public void setOpenFor(@Nullable Duration openFor) {
            this.openFor = openFor;
        }
    }
}
