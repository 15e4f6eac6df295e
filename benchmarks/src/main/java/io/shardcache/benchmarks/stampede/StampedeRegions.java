package io.shardcache.benchmarks.stampede;

import io.shardcache.benchmarks.stampede.StampedeOptions.Mode;
import io.shardcache.query.Regions;
import java.time.Duration;

/**
 * The cache regions of a run, the same in the parent (which fills the stale entry) and every child.
 * A run's keys live under its own Redis prefix, so the region names can be fixed.
 */
final class StampedeRegions {

    /** The region of the stampede's key. */
    static final String STAMPEDE = "stampede";

    /** Where each child warms its code paths (miss, hit, stale) before the release, on its own keys. */
    static final String WARM = "warm";

    /** Long enough that no entry expires by time during a run: staleness comes from invalidateSoft. */
    static final Duration TTL = Duration.ofMinutes(10);

    /** A miss waits this long for another JVM's regeneration: far above any query here, so it never runs out. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(60);

    private StampedeRegions() {
    }

    static Regions of(Mode mode) {
        return Regions.builder()
            .region(STAMPEDE, r -> {
                r.ttl(TTL).lockWait(LOCK_WAIT);
                if (mode == Mode.STALE)
                    r.staleFor(TTL).asyncRefresh(true);
            })
            .region(WARM, r -> r.ttl(TTL).lockWait(LOCK_WAIT).staleFor(TTL).asyncRefresh(true))
            .build();
    }

    /** The region settings as the report prints them. */
    static String describe(Mode mode) {
        return STAMPEDE + ": ttl=" + TTL.toMinutes() + "m lockWait=" + LOCK_WAIT.toSeconds() + "s"
            + (mode == Mode.STALE ? " staleFor=" + TTL.toMinutes() + "m asyncRefresh=true" : "");
    }
}
