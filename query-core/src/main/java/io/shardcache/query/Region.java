package io.shardcache.query;

import io.shardcache.query.internal.Options;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jooq.Record;
import org.jooq.Result;
import org.jspecify.annotations.Nullable;

/**
 * The immutable settings of one cache region. Built through {@link Regions#builder()}:
 *
 * <pre>{@code
 * Regions.builder()
 *     .region("reports", r -> r.ttl(Duration.ofMinutes(10))
 *                              .staleFor(Duration.ofHours(1))
 *                              .asyncRefresh(true))
 *     .build();
 * }</pre>
 *
 * <p>An entry is <em>fresh</em> for {@link #ttl()} after it was computed, then <em>stale</em> for
 * {@link #staleFor()} (served while one caller regenerates it), then gone: the backend forgets it
 * at the hard TTL, {@link #hardTtl()} = ttl + staleFor.
 *
 * <p>A final class rather than a record, so that a setting added later is a new accessor and no caller's
 * constructor call breaks: regions are made only by {@link Regions#builder()}, which checks every value.
 */
public final class Region {

    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    public static final Duration DEFAULT_STALE_FOR = Duration.ZERO;
    public static final boolean DEFAULT_ASYNC_REFRESH = false;
    public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_LOCK_LEASE = Duration.ofSeconds(60);
    public static final double DEFAULT_EARLY_REFRESH = 0.0;
    public static final int DEFAULT_MAX_ENTRY_BYTES = 1 << 20;
    public static final int DEFAULT_COMPRESS_ABOVE = 16 << 10;
    /**
     * How far behind the backend's change messages a near cache may be and still serve; see {@link
     * Builder#nearCacheMaxLag}.
     */
    public static final Duration DEFAULT_NEAR_CACHE_MAX_LAG = Duration.ofMillis(100);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");

    private final String name;
    private final Duration ttl;
    private final Duration staleFor;
    private final boolean asyncRefresh;
    private final Duration lockWait;
    private final Duration lockLease;
    private final double earlyRefresh;
    private final int maxEntryBytes;
    private final int compressAbove;
    private final OnLockTimeout onLockTimeout;
    private final OnBackendFailure onBackendFailure;
    private final OnRefreshFailure onRefreshFailure;
    private final Predicate<? super Result<Record>> cacheIf;
    private final int nearCacheEntries;
    private final Duration nearCacheMaxAge;
    private final Duration nearCacheMaxLag;
    private final boolean tableGenerations;
    private final boolean churnBypass;

    private Region(String name, Duration ttl, Duration staleFor, boolean asyncRefresh, Duration lockWait,
            Duration lockLease, double earlyRefresh, int maxEntryBytes, int compressAbove,
            OnLockTimeout onLockTimeout, OnBackendFailure onBackendFailure, OnRefreshFailure onRefreshFailure,
            Predicate<? super Result<Record>> cacheIf, int nearCacheEntries, Duration nearCacheMaxAge,
            Duration nearCacheMaxLag, boolean tableGenerations, boolean churnBypass) {
        this.name = Objects.requireNonNull(name, "name");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.staleFor = Objects.requireNonNull(staleFor, "staleFor");
        this.asyncRefresh = asyncRefresh;
        this.lockWait = Objects.requireNonNull(lockWait, "lockWait");
        this.lockLease = Objects.requireNonNull(lockLease, "lockLease");
        this.earlyRefresh = earlyRefresh;
        this.maxEntryBytes = maxEntryBytes;
        this.compressAbove = compressAbove;
        this.onLockTimeout = Objects.requireNonNull(onLockTimeout, "onLockTimeout");
        this.onBackendFailure = Objects.requireNonNull(onBackendFailure, "onBackendFailure");
        this.onRefreshFailure = Objects.requireNonNull(onRefreshFailure, "onRefreshFailure");
        this.cacheIf = Objects.requireNonNull(cacheIf, "cacheIf");
        this.nearCacheEntries = nearCacheEntries;
        this.nearCacheMaxAge = Objects.requireNonNull(nearCacheMaxAge, "nearCacheMaxAge");
        this.nearCacheMaxLag = Objects.requireNonNull(nearCacheMaxLag, "nearCacheMaxLag");
        this.tableGenerations = tableGenerations;
        this.churnBypass = churnBypass;
    }

    /** The region's name, used in keys and errors. */
    public String name() {
        return name;
    }

    /** How long an entry is fresh (the soft TTL); default {@link #DEFAULT_TTL}. */
    public Duration ttl() {
        return ttl;
    }

    /** How long a stale entry may still be served; default {@link #DEFAULT_STALE_FOR}. */
    public Duration staleFor() {
        return staleFor;
    }

    /**
     * Whether a stale entry is refreshed in the background while every caller gets the stale value at once; default
     * {@link #DEFAULT_ASYNC_REFRESH}.
     */
    public boolean asyncRefresh() {
        return asyncRefresh;
    }

    /** How long a caller waits on a miss for another caller's regeneration; default {@link #DEFAULT_LOCK_WAIT}. */
    public Duration lockWait() {
        return lockWait;
    }

    /**
     * How long a regeneration lock is held at most if its holder never releases it; default {@link
     * #DEFAULT_LOCK_LEASE}.
     */
    public Duration lockLease() {
        return lockLease;
    }

    /**
     * XFetch's beta: 0 disables probabilistic early refresh, 1 is the paper's default, larger refreshes earlier;
     * default {@link #DEFAULT_EARLY_REFRESH}.
     */
    public double earlyRefresh() {
        return earlyRefresh;
    }

    /** Entries larger than this (after compression) are not stored; default {@link #DEFAULT_MAX_ENTRY_BYTES}. */
    public int maxEntryBytes() {
        return maxEntryBytes;
    }

    /** Results whose encoding is larger than this are compressed; default {@link #DEFAULT_COMPRESS_ABOVE}. */
    public int compressAbove() {
        return compressAbove;
    }

    /** What a caller does when {@code lockWait} runs out; default {@link OnLockTimeout#QUERY_DATABASE}. */
    public OnLockTimeout onLockTimeout() {
        return onLockTimeout;
    }

    /** What a caller does when the backend fails; default {@link OnBackendFailure#QUERY_DATABASE}. */
    public OnBackendFailure onBackendFailure() {
        return onBackendFailure;
    }

    /**
     * What the caller that refreshes a stale entry gets when the query fails; default {@link
     * OnRefreshFailure#SERVE_STALE}.
     */
    public OnRefreshFailure onRefreshFailure() {
        return onRefreshFailure;
    }

    /** Decides whether a freshly computed result is stored (dogpile's {@code should_cache_fn}); default: always. */
    public Predicate<? super Result<Record>> cacheIf() {
        return cacheIf;
    }

    /**
     * How many entries the region keeps in this process in front of a remote backend (see {@link
     * Builder#nearCache}); 0, the default, keeps none.
     */
    public int nearCacheEntries() {
        return nearCacheEntries;
    }

    /** How long an entry stays in the near cache at most; ignored without one. */
    public Duration nearCacheMaxAge() {
        return nearCacheMaxAge;
    }

    /**
     * How far behind its backend's change messages the near cache may be and still serve a copy; default {@link
     * #DEFAULT_NEAR_CACHE_MAX_LAG} (see {@link Builder#nearCacheMaxLag}).
     */
    public Duration nearCacheMaxLag() {
        return nearCacheMaxLag;
    }

    /**
     * Whether entries depend on the generations of the tables their query reads, so that writes make them misses;
     * default true (see {@link Builder#tableGenerations}).
     */
    public boolean tableGenerations() {
        return tableGenerations;
    }

    /**
     * Whether a key whose entries keep being outdated by writes before they are read again, and whose query is
     * cheap, reads the database directly for a while instead of paying for the cache; default true (see
     * {@link Builder#churnBypass}).
     */
    public boolean churnBypass() {
        return churnBypass;
    }

    @Override
    public String toString() {
        return "Region[name=" + name + ", ttl=" + ttl + ", staleFor=" + staleFor + ", asyncRefresh=" + asyncRefresh
            + ", lockWait=" + lockWait + ", lockLease=" + lockLease + ", earlyRefresh=" + earlyRefresh
            + ", maxEntryBytes=" + maxEntryBytes + ", compressAbove=" + compressAbove + ", onLockTimeout=" + onLockTimeout
            + ", onBackendFailure=" + onBackendFailure + ", onRefreshFailure=" + onRefreshFailure
            + ", nearCacheEntries=" + nearCacheEntries + ", nearCacheMaxAge=" + nearCacheMaxAge
            + ", nearCacheMaxLag=" + nearCacheMaxLag + ", tableGenerations=" + tableGenerations
            + ", churnBypass=" + churnBypass + "]";
    }

    /** Fresh time plus stale time: when the backend forgets an entry. */
    public Duration hardTtl() {
        return ttl.plus(staleFor);
    }

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches())
            throw new IllegalArgumentException("region name " + (name == null ? "null" : "'" + name + "'")
                + " is not valid: use 1 to 64 letters, digits, '_', '.' or '-' (it becomes part of cache keys)");
    }

    /**
     * Collects one region's settings. Each option may be set once; conflicting values fail at
     * {@link Regions.Builder#build()} with a message that names both.
     */
    public static final class Builder {
        private final String name;
        private @Nullable Duration ttl;
        private @Nullable Duration staleFor;
        private @Nullable Boolean asyncRefresh;
        private @Nullable Duration lockWait;
        private @Nullable Duration lockLease;
        private @Nullable Double earlyRefresh;
        private @Nullable Integer maxEntryBytes;
        private @Nullable Integer compressAbove;
        private @Nullable OnRefreshFailure onRefreshFailure;
        private @Nullable OnLockTimeout onLockTimeout;
        private @Nullable OnBackendFailure onBackendFailure;
        private @Nullable Predicate<? super Result<Record>> cacheIf;
        private @Nullable Integer nearCacheEntries;
        private @Nullable Duration nearCacheMaxAge;
        private @Nullable Duration nearCacheMaxLag;
        private @Nullable Boolean tableGenerations;
        private @Nullable Boolean churnBypass;

        Builder(String name) {
            this.name = name;
        }

        /**
         * Whether a churning key reads the database directly for a while; default true. A key churns when its
         * entries are outdated by writes to their tables (or their fill refused because a table was written while
         * the query ran) more often than one in five reads: each outdated entry counts 1, each hit takes away
         * 0.2, and at 2 the key is read directly, without lock, backend read or store ({@code skippedChurn}),
         * first for 500 ms, then twice as long each time it churns again, up to 5 s; then the cache is tried
         * again. Only keys whose last query took under 20 ms, and whose reads through the cache took longer on
         * average than that query, are bypassed: for a costly query one shared regeneration still beats many
         * callers each running it. Turn it off for a region whose reads must always go through its cache's
         * single flight.
         */
        public Builder churnBypass(boolean churnBypass) {
            once("churnBypass", this.churnBypass);
            this.churnBypass = churnBypass;
            return this;
        }

        /** How long an entry is fresh; must be positive. */
        public Builder ttl(Duration ttl) {
            once("ttl", this.ttl);
            this.ttl = positive("ttl", ttl);
            return this;
        }

        /** How long after {@code ttl} a stale entry may still be served; zero or positive. */
        public Builder staleFor(Duration staleFor) {
            once("staleFor", this.staleFor);
            this.staleFor = notNegative("staleFor", staleFor);
            return this;
        }

        /** Serve stale entries at once and refresh them on a background virtual thread. Needs {@code staleFor}. */
        public Builder asyncRefresh(boolean asyncRefresh) {
            once("asyncRefresh", this.asyncRefresh);
            this.asyncRefresh = asyncRefresh;
            return this;
        }

        /** How long a miss waits for another caller's regeneration; zero or positive. */
        public Builder lockWait(Duration lockWait) {
            once("lockWait", this.lockWait);
            this.lockWait = notNegative("lockWait", lockWait);
            return this;
        }

        /** The longest a regeneration lock is held if its holder never releases it; positive. */
        public Builder lockLease(Duration lockLease) {
            once("lockLease", this.lockLease);
            this.lockLease = positive("lockLease", lockLease);
            return this;
        }

        /** XFetch's beta (Vattani et al., VLDB 2015): 0 is off, 1 the usual, above 1 earlier. */
        public Builder earlyRefresh(double beta) {
            once("earlyRefresh", this.earlyRefresh);
            if (!(beta >= 0) || Double.isInfinite(beta))
                throw new IllegalArgumentException("region '" + name + "': earlyRefresh must be a finite number >= 0, got " + beta);
            this.earlyRefresh = beta;
            return this;
        }

        /** Entries larger than this many bytes (after compression) are not stored; positive. */
        public Builder maxEntryBytes(int maxEntryBytes) {
            once("maxEntryBytes", this.maxEntryBytes);
            if (maxEntryBytes <= 0)
                throw new IllegalArgumentException("region '" + name + "': maxEntryBytes must be positive, got " + maxEntryBytes);
            this.maxEntryBytes = maxEntryBytes;
            return this;
        }

        /** Results encoded larger than this many bytes are compressed; zero or positive. */
        public Builder compressAbove(int compressAbove) {
            once("compressAbove", this.compressAbove);
            if (compressAbove < 0)
                throw new IllegalArgumentException("region '" + name + "': compressAbove must be >= 0, got " + compressAbove);
            this.compressAbove = compressAbove;
            return this;
        }

        public Builder onLockTimeout(OnLockTimeout onLockTimeout) {
            once("onLockTimeout", this.onLockTimeout);
            this.onLockTimeout = Objects.requireNonNull(onLockTimeout, "onLockTimeout");
            return this;
        }

        public Builder onBackendFailure(OnBackendFailure onBackendFailure) {
            once("onBackendFailure", this.onBackendFailure);
            this.onBackendFailure = Objects.requireNonNull(onBackendFailure, "onBackendFailure");
            return this;
        }

        public Builder onRefreshFailure(OnRefreshFailure onRefreshFailure) {
            once("onRefreshFailure", this.onRefreshFailure);
            this.onRefreshFailure = Objects.requireNonNull(onRefreshFailure, "onRefreshFailure");
            return this;
        }

        /** Stores a freshly computed result only if this returns true (e.g. {@code r -> !r.isEmpty()}). */
        public Builder cacheIf(Predicate<? super Result<Record>> cacheIf) {
            once("cacheIf", this.cacheIf);
            this.cacheIf = Objects.requireNonNull(cacheIf, "cacheIf");
            return this;
        }

        /**
         * Keeps up to {@code maxEntries} entries of this region in this process's heap (Caffeine), in
         * front of a remote backend such as Redis: a hit then costs no round trip. The copies stay
         * correct through the backend's change notifications (Redis pub/sub): every generation
         * bump and every deleted entry, by any process, is pushed to every near cache, which then
         * stops serving what it made outdated; when the notification connection drops, the near
         * cache is emptied and bypassed until it is back.
         *
         * <p><b>Staleness bound.</b> After a write's commit returns, another process's near cache
         * may serve the old rows until the notification reaches it: normally the network delay of
         * one pub/sub message. With a backend that reports how far its messages have been delivered
         * (Redis does, 40 times a second), no copy is served while the near cache may be more than
         * {@link #nearCacheMaxLag} behind: so a copy is never older than a write that returned that
         * long ago, however slow or stalled the messages are (reads then go to the backend). Should
         * notifications be lost unseen by such a report, a copy is served at most {@code maxAge}
         * after it was read from the backend. The process that writes never serves its own outdated
         * copies: its bumps update its near cache before the write returns.
         *
         * <p>A backend that cannot notify (the in-process one needs no near cache) leaves it off.
         *
         * @throws IllegalArgumentException if {@code maxEntries < 1} or {@code maxAge} is not positive
         */
        public Builder nearCache(int maxEntries, Duration maxAge) {
            once("nearCache", this.nearCacheEntries);
            if (maxEntries < 1)
                throw new IllegalArgumentException("region '" + name + "': nearCache maxEntries must be at least 1, got " + maxEntries);
            this.nearCacheMaxAge = positive("nearCache maxAge", maxAge);
            this.nearCacheEntries = maxEntries;
            return this;
        }

        /**
         * How far behind its backend's change messages the near cache may be and still serve a copy
         * (see {@link #nearCache}): a near hit is refused unless every message published more than
         * {@code maxLag} ago is known to have arrived. Default {@link #DEFAULT_NEAR_CACHE_MAX_LAG}.
         * Ignored without a near cache, or with a backend that does not report it.
         *
         * @throws IllegalArgumentException if {@code maxLag} is not positive
         */
        public Builder nearCacheMaxLag(Duration maxLag) {
            once("nearCacheMaxLag", this.nearCacheMaxLag);
            this.nearCacheMaxLag = positive("nearCacheMaxLag", maxLag);
            return this;
        }

        /**
         * With {@code false}, the region's entries ignore writes: they live until their TTL or an
         * explicit {@link CachingDSL#invalidate(String)}, and a hit reads no table counters. For
         * reference data that is never written through shardcache, or results that may lag by their
         * TTL by design. Default true: every write through the caching DSL to a table an entry's query
         * reads makes that entry a miss.
         */
        public Builder tableGenerations(boolean tableGenerations) {
            once("tableGenerations", this.tableGenerations);
            this.tableGenerations = tableGenerations;
            return this;
        }

        Region build() {
            Duration t = ttl != null ? ttl : DEFAULT_TTL;
            Duration s = staleFor != null ? staleFor : DEFAULT_STALE_FOR;
            boolean async = asyncRefresh != null ? asyncRefresh : DEFAULT_ASYNC_REFRESH;
            if (async && s.isZero())
                throw new IllegalArgumentException("region '" + name + "': asyncRefresh(true) needs staleFor > 0, but staleFor is "
                    + (staleFor == null ? "unset (0s)" : "0s") + ": with no stale window there is never a stale entry to serve while refreshing");
            try {
                long unused = t.plus(s).toNanos();   // throws if too long: the in-process backend expires in nanoseconds
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("region '" + name + "': ttl " + t + " plus staleFor " + s + " is too long", e);
            }
            return new Region(name, t, s, async,
                lockWait != null ? lockWait : DEFAULT_LOCK_WAIT,
                lockLease != null ? lockLease : DEFAULT_LOCK_LEASE,
                earlyRefresh != null ? earlyRefresh : DEFAULT_EARLY_REFRESH,
                maxEntryBytes != null ? maxEntryBytes : DEFAULT_MAX_ENTRY_BYTES,
                compressAbove != null ? compressAbove : DEFAULT_COMPRESS_ABOVE,
                onLockTimeout != null ? onLockTimeout : OnLockTimeout.QUERY_DATABASE,
                onBackendFailure != null ? onBackendFailure : OnBackendFailure.QUERY_DATABASE,
                onRefreshFailure != null ? onRefreshFailure : OnRefreshFailure.SERVE_STALE,
                cacheIf != null ? cacheIf : r -> true,
                nearCacheEntries != null ? nearCacheEntries : 0,
                nearCacheMaxAge != null ? nearCacheMaxAge : Duration.ZERO,
                nearCacheMaxLag != null ? nearCacheMaxLag : DEFAULT_NEAR_CACHE_MAX_LAG,
                tableGenerations == null || tableGenerations,
                churnBypass == null || churnBypass);
        }

        private void once(String option, @Nullable Object current) {
            Options.once("region '" + name + "': " + option, current);
        }

        private Duration positive(String option, Duration d) {
            Objects.requireNonNull(d, option);
            if (d.isNegative() || d.isZero())
                throw new IllegalArgumentException("region '" + name + "': " + option + " must be positive, got " + d);
            return d;
        }

        private Duration notNegative(String option, Duration d) {
            Objects.requireNonNull(d, option);
            if (d.isNegative())
                throw new IllegalArgumentException("region '" + name + "': " + option + " must not be negative, got " + d);
            return d;
        }
    }
}
