package io.shardcache.query.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.jooq.Configuration;
import org.jooq.ResultQuery;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;

/**
 * Looks up the entries of a batch's {@code fromCache} queries together, before any of them runs:
 * each query is probed (rendered, not run) for its key, and each engine's share of the batch is read
 * in one backend call ({@link DogpileEngine#lookupAndReadAll}). A query then {@linkplain Ahead#run
 * runs} with its lookup offered, so that a hit costs it no round trip of its own and only the misses
 * go to the database.
 *
 * <p>Looked up ahead: reads through a {@code fromCache} DSL outside a transaction, at least two per
 * engine (one gains nothing from it). Every other query runs as it would alone.
 */
public final class BatchLookup {

    private static final System.Logger LOG = System.getLogger(BatchLookup.class.getName());

    private BatchLookup() {
    }

    /** How one query of the batch runs: with its lookup offered, or as it would alone. */
    public record Ahead(@Nullable DogpileEngine engine, Lookups.@Nullable Prefetched prefetched) {
        private static final Ahead NONE = new Ahead(null, null);

        /** True if the lookup found an entry: the query is likely a hit and takes no connection. */
        public boolean foundEntry() {
            return prefetched != null && prefetched.lookup().entry() != null;
        }

        public <T> T run(Callable<T> work) throws Exception {
            return engine == null ? work.call() : engine.offering(prefetched, work);
        }
    }

    /**
     * One per query, in order. The queries are probed on {@code threads}, all at once.
     *
     * @throws InterruptedException if interrupted while the probes run
     */
    public static List<Ahead> of(List<? extends ResultQuery<?>> queries, ExecutorService threads) throws InterruptedException {
        Ahead[] out = new Ahead[queries.size()];
        Arrays.fill(out, Ahead.NONE);
        List<@Nullable Future<@Nullable Probe>> probing = new ArrayList<>(queries.size());
        for (ResultQuery<?> q : queries)
            probing.add(isCached(q) ? threads.submit(() -> probe(q)) : null);
        Map<DogpileEngine, List<Integer>> byEngine = new LinkedHashMap<>();
        Map<Integer, Probe> probes = new LinkedHashMap<>();
        for (int i = 0; i < out.length; i++) {
            Future<@Nullable Probe> f = probing.get(i);
            Probe p;
            try {
                p = f == null ? null : probed(f);
            } catch (InterruptedException e) {
                awaitProbes(probing);
                throw e;
            }
            if (p != null) {
                probes.put(i, p);
                byEngine.computeIfAbsent(p.engine(), e -> new ArrayList<>()).add(i);
            }
        }
        byEngine.forEach((engine, indexes) -> {
            if (indexes.size() < 2)
                return;
            List<Lookups.Want> wants = indexes.stream().map(i -> Objects.requireNonNull(probes.get(i), "probe").want()).toList();
            List<Lookups.@Nullable Prefetched> found;
            try {
                found = engine.lookupAndReadAll(wants);
            } catch (RuntimeException e) {
                // Whatever broke (a corrupt entry, a listener): each query meets it alone, under its own policy.
                LOG.log(System.Logger.Level.WARNING, "looking " + wants.size() + " queries up ahead failed;"
                    + " each looks itself up as it runs", e);
                return;
            }
            for (int j = 0; j < indexes.size(); j++)
                out[indexes.get(j)] = new Ahead(engine, found.get(j));
        });
        return Arrays.asList(out);
    }

    /** True for a query made from a {@code fromCache} DSL outside a transaction: one worth probing. */
    private static boolean isCached(ResultQuery<?> query) {
        Configuration c = query.configuration();
        if (c == null || !(c.connectionProvider() instanceof CachingConnectionProvider provider))
            return false;
        ReadContext context = provider.context();
        return context.probe() == null && !context.singleConnection() && !context.inTransaction().getAsBoolean();
    }

    /**
     * The probe of a cacheable read; null for one that cannot be probed (it then fails, or not, when
     * it runs, as it would alone).
     */
    private static @Nullable Probe probe(ResultQuery<?> query) {
        Configuration c = Objects.requireNonNull(query.configuration(), "configuration");   // isCached saw it
        ReadContext context = ((CachingConnectionProvider) c.connectionProvider()).context();
        AtomicReference<@Nullable Probe> seen = new AtomicReference<>();
        try {
            DSL.using(JooqInternals.detachedFromTransaction(c.derive(new CachingConnectionProvider(context.probing(seen::set))))).fetch(query);
        } catch (DataAccessException e) {
            return null;
        }
        return seen.get();
    }

    /**
     * Waits, ignoring interrupts (probes run nothing, so they end quickly; at most 10 s), until no
     * probe runs: a probe has the caller's query object attached to its own configuration, and the
     * caller may use that object as soon as the interrupted batch returns.
     */
    private static void awaitProbes(List<@Nullable Future<@Nullable Probe>> probing) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        for (Future<@Nullable Probe> f : probing) {
            while (f != null && !f.isDone() && System.nanoTime() < deadline) {
                try {
                    f.get(deadline - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    // the caller was interrupted once already and throws for it; keep waiting
                } catch (ExecutionException | java.util.concurrent.TimeoutException | java.util.concurrent.CancellationException e) {
                    break;
                }
            }
        }
    }

    private static @Nullable Probe probed(Future<@Nullable Probe> probing) throws InterruptedException {
        try {
            return probing.get();
        } catch (ExecutionException e) {
            return null;   // the query fails the same way when it runs, and its outcome says so
        }
    }
}
