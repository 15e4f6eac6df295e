package io.shardcache.query.internal;

import io.shardcache.query.CacheKey;
import io.shardcache.query.Region;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * Where an entry lives, and what a read found there; made by {@link Lookups}.
 *
 * @param tables      the generation counters of the tables the statement reads ({@link TableCounters})
 * @param generations their values when the entry was read, parallel to {@code tables}: an entry is
 *                    used only if it records these, and a regeneration stores only if they hold
 * @param nearEpoch   the near cache's epoch when the backend was read, so that what was read may be
 *                    kept there; {@link #NOT_NEAR} when there is no near cache, {@link #FROM_NEAR}
 *                    when the entry came from it
 */
public record Lookup(Region region, CacheKey key, String storageKey, KeyMaterial fingerprint,
                     long softGeneration, boolean backendDown, boolean prefetched, byte @Nullable [] entry,
                     TableCounters.Dependencies tables, long[] generations, long nearEpoch) {
    static final long NOT_NEAR = -1;
    static final long FROM_NEAR = -2;

    String lockKey() {
        return storageKey + ":lock";
    }

    /**
     * The JVM-local flight of this exact statement: the entry's name plus the statement's
     * fingerprint, because several statements can share one name (a custom key) and must never
     * share each other's rows.
     */
    String flightKey() {
        return storageKey + "#" + HexFormat.of().formatHex(fingerprint.fingerprintUnsafe());
    }
}
