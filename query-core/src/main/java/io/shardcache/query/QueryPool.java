package io.shardcache.query;

import io.shardcache.query.internal.BatchLookup;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import javax.sql.DataSource;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.impl.DataSourceConnectionProvider;
import org.jspecify.annotations.Nullable;

/**
 * Runs many queries at once, at most {@link #parallelism()} at a time, each on a virtual thread of
 * its own, and returns their outcomes in the order given: the parallel query pool.
 *
 * <pre>{@code
 * QueryPool pool = QueryPool.sizedFor(dsl);                  // as many at once as the connection pool holds
 * List<QueryPool.Outcome<Record>> out = pool.fetchAll(List.of(
 *     cached.fromCache("reports").resultQuery("select ..."),   // served from the cache when it can be
 *     dsl.resultQuery("select ...")));
 * Result<Record> first = out.get(0).result();                // throws if that query failed, naming its index
 * }</pre>
 *
 * <p>Each query runs on the DSL it is attached to, exactly as {@code query.fetch()} would: a query
 * made from a {@code fromCache} DSL is served from its region, so a batch of hits takes no
 * connection. The entries of the {@code fromCache} queries are looked up together before any query
 * runs: each query is rendered for its key, and the batch's entries and generation counters are read
 * in one round trip (Redis: one {@code MGET} per 256 keys), or none for copies the near cache holds; the queries
 * that found an entry start first, and only the misses go to the database. A query's lookup is
 * taken only if no write of this process came after it; the batch otherwise reads the cache as of
 * its start, like one read that began then. A query that fails does not stop the others: its outcome holds the failure and its
 * index, every other outcome its rows. Bounding the concurrency by the connection pool's size keeps
 * a large batch from queueing on the pool (and timing out there) instead of here.
 *
 * <p>The queries must not be shared with another thread while the batch runs. Thread-safe: one pool
 * may run batches from many threads, each bounded on its own.
 */
public final class QueryPool {

    private final int parallelism;

    private QueryPool(int parallelism) {
        if (parallelism < 1)
            throw new IllegalArgumentException("a query pool runs at least 1 query at a time, got " + parallelism);
        this.parallelism = parallelism;
    }

    /** A pool that runs at most {@code parallelism} queries at a time. */
    public static QueryPool of(int parallelism) {
        return new QueryPool(parallelism);
    }

    /**
     * A pool as wide as {@code dsl}'s connection pool: its {@code DataSource}'s
     * {@code getMaximumPoolSize()} (HikariCP and pools that share the name).
     *
     * @throws IllegalArgumentException if the pool's size cannot be read from {@code dsl}'s connection
     *         provider; use {@link #of(int)} then
     */
    public static QueryPool sizedFor(DSLContext dsl) {
        ConnectionProvider p = dsl.configuration().connectionProvider();
        if (p instanceof DataSourceConnectionProvider d) {
            Integer size = maximumPoolSize(d.dataSource());
            if (size != null)
                return new QueryPool(size);
        }
        throw new IllegalArgumentException("cannot read the connection pool's size from " + p.getClass().getName()
            + ": a DataSourceConnectionProvider over a DataSource with getMaximumPoolSize() (HikariCP) is needed;"
            + " use QueryPool.of(parallelism)");
    }

    private static @Nullable Integer maximumPoolSize(DataSource ds) {
        try {
            Method m = ds.getClass().getMethod("getMaximumPoolSize");
            return m.invoke(ds) instanceof Integer n && n > 0 ? n : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    public int parallelism() {
        return parallelism;
    }

    /**
     * Runs every query and waits for all of them. A query instance given more than once runs once:
     * its positions share its outcome (the same rows, or the same failure under each index).
     *
     * @return one outcome per query, in the order given
     * @throws ShardcacheException if the calling thread is interrupted: the queries still running are
     *         interrupted too, and the call returns without waiting for them
     */
    public <R extends Record> List<Outcome<R>> fetchAll(List<? extends ResultQuery<R>> queries) {
        Objects.requireNonNull(queries, "queries");
        for (int i = 0; i < queries.size(); i++)
            Objects.requireNonNull(queries.get(i), "query " + i);
        // One run per instance: two threads must never execute (or probe) the same query object at once.
        IdentityHashMap<ResultQuery<R>, Integer> runOf = new IdentityHashMap<>();
        List<ResultQuery<R>> distinct = new ArrayList<>();
        int[] run = new int[queries.size()];
        for (int i = 0; i < run.length; i++) {
            ResultQuery<R> q = queries.get(i);
            run[i] = runOf.computeIfAbsent(q, x -> {
                distinct.add(x);
                return distinct.size() - 1;
            });
        }
        Semaphore permits = new Semaphore(parallelism, true);
        List<Future<Result<R>>> running = new ArrayList<>(Collections.nCopies(distinct.size(), null));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<BatchLookup.Ahead> ahead = BatchLookup.of(distinct, threads);
            // Likely hits first: they take no connection, and run while their lookup is new.
            for (int i : startOrder(ahead)) {
                ResultQuery<R> q = distinct.get(i);
                BatchLookup.Ahead a = ahead.get(i);
                running.set(i, threads.submit(() -> {
                    permits.acquire();
                    try {
                        return a.run(q::fetch);
                    } finally {
                        permits.release();
                    }
                }));
            }
            List<Outcome<R>> out = new ArrayList<>(run.length);
            for (int i = 0; i < run.length; i++)
                out.add(outcome(i, running.get(run[i])));
            return out;
        } catch (InterruptedException e) {
            // Not close(): it would wait for every query, and a JDBC call may not heed an interrupt.
            threads.shutdownNow();
            Thread.currentThread().interrupt();
            throw new ShardcacheException("interrupted while running " + queries.size() + " queries", e);
        } finally {
            threads.shutdown();   // every task has ended unless interrupted; the threads are virtual
        }
    }

    private static List<Integer> startOrder(List<BatchLookup.Ahead> ahead) {
        List<Integer> order = new ArrayList<>(ahead.size());
        for (int i = 0; i < ahead.size(); i++)
            if (ahead.get(i).foundEntry())
                order.add(i);
        for (int i = 0; i < ahead.size(); i++)
            if (!ahead.get(i).foundEntry())
                order.add(i);
        return order;
    }

    private static <R extends Record> Outcome<R> outcome(int index, Future<Result<R>> f) throws InterruptedException {
        try {
            return new Outcome<>(index, f.get(), null);
        } catch (ExecutionException e) {
            return new Outcome<>(index, null, e.getCause() != null ? e.getCause() : e);
        }
    }

    /**
     * What one query of a batch gave: its rows, or how it failed.
     *
     * @param index   its position in the batch
     * @param rows    its rows; null if it failed
     * @param failure why it failed; null if it did not
     */
    public record Outcome<R extends Record>(int index, @Nullable Result<R> rows, @Nullable Throwable failure) {

        public boolean failed() {
            return failure != null;
        }

        /**
         * The rows.
         *
         * @throws QueryFailedException naming this query's index, with the failure as its cause
         */
        public Result<R> result() {
            if (failure != null)
                throw new QueryFailedException(index, failure);
            return Objects.requireNonNull(rows, "rows");
        }
    }

    /** A query of a batch failed; its index says which. The other queries' outcomes are unaffected. */
    public static final class QueryFailedException extends ShardcacheException {
        private final int index;

        QueryFailedException(int index, Throwable cause) {
            super("query " + index + " of the batch failed: " + cause.getMessage(), cause);
            this.index = index;
        }

        public int index() {
            return index;
        }
    }
}
