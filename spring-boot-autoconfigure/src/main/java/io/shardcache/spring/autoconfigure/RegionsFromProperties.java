package io.shardcache.spring.autoconfigure;

import io.shardcache.query.Region;
import io.shardcache.query.Regions;
import io.shardcache.spring.autoconfigure.ShardcacheProperties.RegionProperties;
import java.util.List;
import java.util.Map;
import org.springframework.util.unit.DataSize;

/** {@code shardcache.regions.*} and the customizers, made into {@link Regions}; bad values name their property. */
final class RegionsFromProperties {

    private RegionsFromProperties() {
    }

    static Regions build(Map<String, RegionProperties> properties, List<ShardcacheCustomizer> customizers) {
        Regions.Builder builder = Regions.builder();
        properties.forEach((name, p) -> {
            String prefix = "shardcache.regions." + name + ".";
            try {
                builder.region(name, r -> {
                    apply(prefix, p, r);
                    for (ShardcacheCustomizer c : customizers)
                        c.region(name, r);
                });
            } catch (IllegalArgumentException | IllegalStateException e) {
                String why = String.valueOf(e.getMessage());
                throw new IllegalStateException(why.startsWith("shardcache.") ? why : prefix + "*: " + why, e);
            }
        });
        for (ShardcacheCustomizer c : customizers)
            c.regions(builder);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            if (properties.isEmpty())
                throw new IllegalStateException("shardcache.regions: no region is defined; define one, such as"
                    + " shardcache.regions.reports.ttl=10m, or turn shardcache off with shardcache.enabled=false", e);
            throw new IllegalStateException("shardcache.regions: " + e.getMessage(), e);
        }
    }

    private static void apply(String prefix, RegionProperties p, Region.Builder r) {
        if (p.getTtl() != null) r.ttl(p.getTtl());
        if (p.getStaleFor() != null) r.staleFor(p.getStaleFor());
        if (p.getAsyncRefresh() != null) r.asyncRefresh(p.getAsyncRefresh());
        if (p.getEarlyRefresh() != null) r.earlyRefresh(p.getEarlyRefresh());
        if (p.getLockWait() != null) r.lockWait(p.getLockWait());
        if (p.getLockLease() != null) r.lockLease(p.getLockLease());
        if (p.getMaxEntrySize() != null) r.maxEntryBytes(bytes(prefix + "max-entry-size", p.getMaxEntrySize()));
        if (p.getCompressAbove() != null) r.compressAbove(bytes(prefix + "compress-above", p.getCompressAbove()));
        if (p.getOnLockTimeout() != null) r.onLockTimeout(p.getOnLockTimeout());
        if (p.getOnBackendFailure() != null) r.onBackendFailure(p.getOnBackendFailure());
        if (p.getOnRefreshFailure() != null) r.onRefreshFailure(p.getOnRefreshFailure());
        if (p.getNearCacheEntries() != null || p.getNearCacheMaxAge() != null) {
            if (p.getNearCacheEntries() == null || p.getNearCacheMaxAge() == null)
                throw new IllegalStateException(prefix + "near-cache-entries and " + prefix + "near-cache-max-age go"
                    + " together, but only " + (p.getNearCacheEntries() == null ? "near-cache-max-age" : "near-cache-entries")
                    + " is set");
            r.nearCache(p.getNearCacheEntries(), p.getNearCacheMaxAge());
        }
        if (p.getNearCacheMaxLag() != null) r.nearCacheMaxLag(p.getNearCacheMaxLag());
        if (p.getTableGenerations() != null) r.tableGenerations(p.getTableGenerations());
        if (p.getChurnBypass() != null) r.churnBypass(p.getChurnBypass());
    }

    private static int bytes(String property, DataSize size) {
        long b = size.toBytes();
        if (b > Integer.MAX_VALUE)
            throw new IllegalStateException(property + " " + size + " is too large: at most " + Integer.MAX_VALUE + " bytes");
        return (int) b;
    }
}
