package io.shardcache.query.internal;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.CacheKey;
import io.shardcache.query.Region;
import io.shardcache.query.spi.CacheBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Entry lookups: where a read's entry lives (its region's generation names it) and what the cache
 * holds there, read with its generation counters in one backend call, from the near cache when it
 * holds a copy it may serve, or ahead of time for a batch ({@link #lookupAndReadAll}, handed to the
 * read itself through {@link #offering}). The engine then decides what to do with what was found.
 * Thread-safe.
 */
final class Lookups {

    /** What the engine does when the backend fails a lookup: count it, and throw if the region says so. */
    interface OnFailure {
        void met(Region region, CacheKey key, CacheBackendException failure);
    }

    /** What the engine does when a lookup shared another caller's backend read: count it. */
    interface OnCoalesced {
        void shared(Region region, CacheKey key);
    }

    /** The identity of a backend read: the entry and the counters read with it. */
    private record ReadKey(String entry, List<String> counters) {
    }

    private static final long[] NO_GENERATIONS = {};

    private final CacheBackend backend;
    private final @Nullable NearCache near;
    private final GenerationBumps bumps;
    private final OnFailure onFailure;
    private final OnCoalesced onCoalesced;
    /** Concurrent reads of one entry share a backend call; null for an in-process backend. */
    private final @Nullable ReadCoalescer<ReadKey, CacheBackend.Read> coalescer;
    /** Each region's two counter names, built once: a hit reads both. */
    private final Map<String, Counters> counters;
    /**
     * A lookup made ahead by {@link #lookupAndReadAll}, for the read this thread is about to make.
     * One per engine on purpose: another engine's read on this thread must not take it. Set and
     * removed around one call ({@link #offering}), so nothing outlives the engine.
     */
    @SuppressWarnings("ThreadLocalUsage")
    private final ThreadLocal<@Nullable Prefetched> offered = new ThreadLocal<>();

    Lookups(List<Region> regions, CacheBackend backend, @Nullable NearCache near, GenerationBumps bumps, OnFailure onFailure,
            OnCoalesced onCoalesced) {
        this.backend = backend;
        this.near = near;
        this.bumps = bumps;
        this.onFailure = onFailure;
        this.onCoalesced = onCoalesced;
        this.coalescer = backend.isRemote() ? new ReadCoalescer<>() : null;
        Map<String, Counters> c = new HashMap<>();
        for (Region r : regions)
            c.put(r.name(), new Counters(regionCounter(r.name()), softCounter(r.name())));
        this.counters = Map.copyOf(c);
    }

    /** A region's counter names, and the generation last read (a guess that saves a round trip). */
    static final class Counters {
        private final String generation;
        private final String soft;
        volatile long lastSeen;

        Counters(String generation, String soft) {
            this.generation = generation;
            this.soft = soft;
        }

        String generation() {
            return generation;
        }

        String soft() {
            return soft;
        }

        /** The counters a hit reads: these two, then the tables'. */
        List<String> with(List<String> tables) {
            String[] all = new String[2 + tables.size()];
            all[0] = generation;
            all[1] = soft;
            for (int i = 0; i < tables.size(); i++)
                all[2 + i] = tables.get(i);
            return Arrays.asList(all);
        }
    }

    /** The region's counter names; there are some for every region of the engine, the only ones it is asked about. */
    Counters countersOf(String region) {
        return Objects.requireNonNull(counters.get(region), "a region this engine was made without");
    }

    /** The key of a read that does not consult the cache (inside a transaction): no backend call. */
    CacheKey keyOf(Region region, KeyMaterial naming, KeyMaterial fingerprint) {
        return new EngineKey(region.name(), naming.scope(), naming.sha1Hex(), fingerprint.fingerprintUnsafe(), naming::describe);
    }

    /** Names the entry for {@code naming} in the region's current generation. */
    Lookup lookup(Region region, KeyMaterial naming, KeyMaterial fingerprint) {
        CacheKey key = new EngineKey(region.name(), naming.scope(), naming.sha1Hex(), fingerprint.fingerprintUnsafe(), naming::describe);
        try {
            Counters names = countersOf(region.name());
            long generation = backend.generation(names.generation());
            long soft = backend.generation(names.soft());
            names.lastSeen = generation;
            return new Lookup(region, key, storageKey(region.name(), generation, naming), fingerprint, soft, false, false, null,
                TableCounters.Dependencies.NONE, NO_GENERATIONS, Lookup.NOT_NEAR);
        } catch (CacheBackendException e) {
            onFailure.met(region, key, e);
            return down(region, key, naming, fingerprint);
        }
    }

    private static Lookup down(Region region, CacheKey key, KeyMaterial naming, KeyMaterial fingerprint) {
        return new Lookup(region, key, region.name() + ":?:" + naming.sha1Hex(), fingerprint, 0, true, false, null,
            TableCounters.Dependencies.NONE, NO_GENERATIONS, Lookup.NOT_NEAR);
    }

    /**
     * As {@link #lookup}, and reads the entry with the counters in one backend call
     * ({@link CacheBackend#read}), naming it with the generation this engine saw last; only after
     * the region's generation moved does it take a second call. For reads that go on to
     * {@link DogpileEngine#fetch}. A lookup {@linkplain #offering offered} to this thread for this very read, by
     * {@link #lookupAndReadAll}, is taken instead, with no backend call.
     */
    Lookup lookupAndRead(Region region, KeyMaterial naming, KeyMaterial fingerprint, TableCounters.Dependencies tables) {
        Lookup ready = takeOffered(region, naming, fingerprint, tables);
        if (ready != null)
            return ready;
        CacheKey key = new EngineKey(region.name(), naming.scope(), naming.sha1Hex(), fingerprint.fingerprintUnsafe(), naming::describe);
        try {
            if (!bumps.flushBeforeRead())
                throw new CacheBackendException("generation bumps of earlier writes could not reach the backend yet");
            // After the flush: a read shared with this caller must have been sent after this JVM's writes' bumps landed.
            long started = coalescer != null ? coalescer.start() : 0;
            Counters names = countersOf(region.name());
            List<String> all = names.with(tables.counters());
            Lookup nearby = fromNear(region, key, naming, fingerprint, tables, all);
            if (nearby != null)
                return nearby;
            Pending p = pending(region, key, naming, fingerprint, tables, all);
            CacheBackend.Read read = coalescer == null ? p.run()
                : coalescer.read(new ReadKey(p.entryName(), all), started, p, p);
            byte[] entry = read.entry();
            if (read.generations()[0] != p.guess())
                entry = backend.get(region.name(), p.renamed(read.generations()[0]));
            return p.found(read.generations(), entry);
        } catch (CacheBackendException e) {
            onFailure.met(region, key, e);
            return down(region, key, naming, fingerprint);
        }
    }

    /** One read of the cache, as {@link #lookupAndReadAll} takes it. */
    public record Want(Region region, KeyMaterial naming, KeyMaterial fingerprint, TableCounters.Dependencies tables) {
    }

    /**
     * A lookup made ahead of its read by {@link #lookupAndReadAll}, with this engine's count of local
     * writes before it: it is used only if no write of this JVM came between.
     */
    public record Prefetched(Lookup lookup, long writesBefore) {
    }

    /**
     * {@link #lookupAndRead} for many reads at once: the ones the near cache answers cost nothing, and
     * the others take one backend call ({@link CacheBackend#readAll}), or two when a region's
     * generation moved since this engine last saw it. Each result is meant for
     * {@link #offering}, so that the read itself takes it instead of asking the backend again.
     *
     * @return one per read, in order; null where the read must look itself up: the backend failed
     *         (each read then meets the failure under its own region's policy), or bumps of earlier
     *         writes have not reached the backend yet
     */
    List<@Nullable Prefetched> lookupAndReadAll(List<Want> wants) {
        @Nullable Prefetched[] out = new Prefetched[wants.size()];
        long writesBefore = bumps.localWrites();
        if (!bumps.allFlushed())
            return Arrays.asList(out);
        List<Integer> asked = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        List<CacheBackend.ReadRequest> requests = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            Want w = wants.get(i);
            Region region = w.region();
            CacheKey key = new EngineKey(region.name(), w.naming().scope(), w.naming().sha1Hex(), w.fingerprint().fingerprintUnsafe(), w.naming()::describe);
            List<String> all = countersOf(region.name()).with(w.tables().counters());
            Lookup nearby = fromNear(region, key, w.naming(), w.fingerprint(), w.tables(), all);
            if (nearby != null) {
                out[i] = new Prefetched(nearby, writesBefore);
                continue;
            }
            Pending p = pending(region, key, w.naming(), w.fingerprint(), w.tables(), all);
            asked.add(i);
            pending.add(p);
            requests.add(new CacheBackend.ReadRequest(region.name(), p.entryName(), all));
        }
        if (requests.isEmpty())
            return Arrays.asList(out);
        try {
            List<CacheBackend.Read> reads = backend.readAll(requests);
            List<Integer> moved = new ArrayList<>();
            List<CacheBackend.ReadRequest> again = new ArrayList<>();
            for (int j = 0; j < reads.size(); j++) {
                long generation = reads.get(j).generations()[0];
                if (generation != pending.get(j).guess()) {
                    moved.add(j);
                    again.add(new CacheBackend.ReadRequest(requests.get(j).region(), pending.get(j).renamed(generation), List.of()));
                }
            }
            byte[] @Nullable [] entries = new byte[reads.size()][];
            for (int j = 0; j < reads.size(); j++)
                entries[j] = reads.get(j).entry();
            List<CacheBackend.Read> reread = again.isEmpty() ? List.of() : backend.readAll(again);
            for (int m = 0; m < moved.size(); m++)
                entries[moved.get(m)] = reread.get(m).entry();
            for (int j = 0; j < reads.size(); j++)
                out[asked.get(j)] = new Prefetched(pending.get(j).found(reads.get(j).generations(), entries[j]), writesBefore);
        } catch (CacheBackendException e) {
            for (int j : asked)
                out[j] = null;
        }
        return Arrays.asList(out);
    }

    /**
     * Runs {@code work} with {@code ready} offered to the first {@link #lookupAndRead} of the same
     * statement on this thread; with nothing offered if {@code ready} is null.
     */
    <T> T offering(@Nullable Prefetched ready, Callable<T> work) throws Exception {
        if (ready == null)
            return work.call();
        offered.set(ready);
        try {
            return work.call();
        } finally {
            offered.remove();
        }
    }

    /**
     * The offered lookup if it is for this very read and nothing has happened since it was made
     * that it could have missed: a local write, or a bump still waiting for the backend.
     */
    private @Nullable Lookup takeOffered(Region region, KeyMaterial naming, KeyMaterial fingerprint, TableCounters.Dependencies tables) {
        Prefetched p = offered.get();
        if (p == null)
            return null;
        offered.remove();
        Lookup k = p.lookup();
        boolean same = k.region() == region && k.tables().hash() == tables.hash()
            && k.key().hash().equals(naming.sha1Hex())
            && Arrays.equals(k.fingerprint().fingerprintUnsafe(), fingerprint.fingerprintUnsafe());
        return same && p.writesBefore() == bumps.localWrites() && bumps.allFlushed() ? k : null;
    }

    /** The lookup of a copy the near cache holds and may serve; null if it has none (an outdated one is dropped). */
    private @Nullable Lookup fromNear(Region region, CacheKey key, KeyMaterial naming, KeyMaterial fingerprint,
                            TableCounters.Dependencies tables, List<String> all) {
        if (near == null || !near.covers(region.name()) || !near.live() || !near.caughtUpWithin(region.nearCacheMaxLag().toNanos()))
            return null;
        long[] known = near.known(all);
        if (known == null)
            return null;
        String storageKey = storageKey(region.name(), known[0], naming);
        Entry copy = near.get(region.name(), storageKey);
        if (copy == null)
            return null;
        long[] generations = Arrays.copyOfRange(known, 2, known.length);
        if (copy.generationsAre(tables.hash(), generations) && copy.softGeneration() >= known[1]
            && copy.fingerprintMatches(fingerprint))
            return new Lookup(region, key, storageKey, fingerprint, known[1], false, true, copy.bytes(), tables,
                generations, Lookup.FROM_NEAR);
        near.evict(region.name(), storageKey);   // outdated: the backend may hold a newer one
        return null;
    }

    /**
     * A read about to ask the backend, naming its entry with the generation this engine saw last, and
     * noting the near cache's epoch and resets first so that what it reads may be kept there.
     */
    private Pending pending(Region region, CacheKey key, KeyMaterial naming, KeyMaterial fingerprint,
                            TableCounters.Dependencies tables, List<String> all) {
        NearCache nearby = near != null && near.covers(region.name()) ? near : null;
        long guess = countersOf(region.name()).lastSeen;
        return new Pending(region, key, naming, fingerprint, tables, all, guess, storageKey(region.name(), guess, naming),
            nearby != null ? nearby.epoch() : Lookup.NOT_NEAR, nearby != null ? nearby.ticket(all) : null);
    }

    /** A read about to ask the backend; it is also the read a {@link ReadCoalescer} sends, and its counter. */
    private final class Pending implements ReadCoalescer.Read<CacheBackend.Read>, ReadCoalescer.Counter {
        private final Region region;
        private final CacheKey key;
        private final KeyMaterial naming;
        private final KeyMaterial fingerprint;
        private final TableCounters.Dependencies tables;
        private final List<String> all;
        private final long guess;
        private String entryName;
        private final long epoch;
        private final NearCache.@Nullable Ticket ticket;

        Pending(Region region, CacheKey key, KeyMaterial naming, KeyMaterial fingerprint, TableCounters.Dependencies tables,
                List<String> all, long guess, String entryName, long epoch, NearCache.@Nullable Ticket ticket) {
            this.region = region;
            this.key = key;
            this.naming = naming;
            this.fingerprint = fingerprint;
            this.tables = tables;
            this.all = all;
            this.guess = guess;
            this.entryName = entryName;
            this.epoch = epoch;
            this.ticket = ticket;
        }

        long guess() {
            return guess;
        }

        /** The backend read of the entry, under the name guessed, with every counter. */
        @Override
        public CacheBackend.Read run() {
            return backend.read(region.name(), entryName, all);
        }

        @Override
        public void coalesced() {
            onCoalesced.shared(region, key);
        }

        String entryName() {
            return entryName;
        }

        /** The region's generation was not the one guessed: the entry's name in the one read, remembered. */
        String renamed(long generation) {
            countersOf(region.name()).lastSeen = generation;
            entryName = storageKey(region.name(), generation, naming);
            return entryName;
        }

        /** The lookup of what the backend answered: {@code values} of every counter, and the entry. */
        Lookup found(long[] values, byte @Nullable [] entry) {
            if (ticket != null)   // taken only when there is a near cache
                Objects.requireNonNull(near, "near cache").learn(all, values, ticket);
            return new Lookup(region, key, entryName, fingerprint, values[1], false, true, entry, tables,
                Arrays.copyOfRange(values, 2, values.length), epoch);
        }
    }

    static String storageKey(String region, long generation, KeyMaterial naming) {
        return region + ":" + generation + ":" + naming.sha1Hex();
    }

    static String regionCounter(String region) {
        return "region:" + region;
    }

    static String softCounter(String region) {
        return "soft:" + region;
    }
}
