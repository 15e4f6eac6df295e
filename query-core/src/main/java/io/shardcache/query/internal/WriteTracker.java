package io.shardcache.query.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.Query;
import org.jooq.exception.DataAccessException;
import org.jspecify.annotations.Nullable;

/**
 * The listener of a tracked DSL. It does two things:
 * <ul>
 * <li>Remembers, for the calling thread, the query being executed, so that a cached read (which
 * only sees SQL text at the JDBC level) can learn the tables it reads from the query model.</li>
 * <li>Bumps the generations of what a write changes: once before the statement runs (so that what
 * was cached before its transaction is gone even if this process dies between the commit and the
 * second bump), and once after its transaction commits: right after
 * the statement on an auto-commit connection, at the commit otherwise
 * ({@link TrackingConnectionProvider}), or through the framework's after-commit hook when the
 * user's {@code inTransaction} test says the thread is in a transaction shardcache does not manage.</li>
 * </ul>
 * The post-commit bump happens before the write returns to its caller, so once a commit has
 * returned, every entry computed before it is a miss in every process that reads the backend
 * (near caches follow within a notification's delay; a bump the backend refused is retried).
 *
 * <p>Stateless apart from the thread-local; one instance per tracked DSL family. Thread-safe.
 */
public final class WriteTracker implements ExecuteListener {

    private static final ThreadLocal<@Nullable Executing> EXECUTING = new ThreadLocal<>();
    private static final String PENDING = "io.shardcache.write";
    private static final String PREVIOUS = "io.shardcache.executing";

    private final DogpileEngine engine;
    private final Function<ExecuteContext, TableCounters> countersOf;
    private final Function<ExecuteContext, List<TableName>> declaredOf;
    private final java.util.function.BooleanSupplier inTransaction;
    private final @Nullable Consumer<Runnable> afterCommit;

    /**
     * @param countersOf    the counters of the scope an execution runs in (its configuration's)
     * @param declaredOf    the tables declared for an execution's DSL
     * @param inTransaction the user's test for a transaction shardcache does not manage
     * @param afterCommit   runs a task after that transaction commits; null when not given
     */
    public WriteTracker(DogpileEngine engine, Function<ExecuteContext, TableCounters> countersOf,
                        Function<ExecuteContext, List<TableName>> declaredOf,
                        java.util.function.BooleanSupplier inTransaction, @Nullable Consumer<Runnable> afterCommit) {
        this.engine = engine;
        this.countersOf = countersOf;
        this.declaredOf = declaredOf;
        this.inTransaction = inTransaction;
        this.afterCommit = afterCommit;
    }

    /** The engine whose generations this tracker bumps. */
    public DogpileEngine engine() {
        return engine;
    }

    /**
     * The query the calling thread is executing through a tracked DSL, if it rendered to {@code sql};
     * otherwise null (the read then depends on every table of its scope).
     */
    static @Nullable Query executing(String sql) {
        Executing e = EXECUTING.get();
        return e != null && sql.equals(e.sql()) ? e.query() : null;
    }

    /** What a cached read needs to know of the execution it is part of; no connection or statement. */
    private record Executing(@Nullable String sql, @Nullable Query query) {
    }

    @Override
    public void executeStart(ExecuteContext ctx) {
        // Set for the statement's execution only, and the outer one's put back afterwards, so that a
        // nested execution neither sees nor clears another's query.
        ctx.data(PREVIOUS, new Previous(EXECUTING.get()));
        EXECUTING.set(new Executing(ctx.sql(), ctx.query()));
        if (ctx.statement() instanceof CachedReadStatement)
            return;   // a cached read (or a probe, which runs nothing): no write to analyse on the hit path
        if (ctx.sql() != null && SessionInputs.mayChangeSession(ctx.sql())) {
            try {
                SessionInputs.changing(ctx.connection());
            } catch (SQLException e) {
                throw new DataAccessException("shardcache: cannot tell which connection a session change runs on", e);
            }
            if (SessionInputs.isSessionStatement(ctx.sql()))
                return;   // SET, RESET, DISCARD: no table written, nothing to invalidate
        }
        Query[] batch = ctx.batchQueries();
        List<Query> queries = batch.length > 0 ? Arrays.asList(batch) : ctx.query() == null ? List.of() : List.of(ctx.query());
        String sql = batch.length > 1 ? null : ctx.sql();
        List<String> counters = countersOf.apply(ctx).forWrite(sql, queries, declaredOf.apply(ctx));
        if (counters.isEmpty())
            return;
        Connection c = ctx.connection();
        try {
            if (c.getAutoCommit()) {
                engine.bump(counters);
                ctx.data(PENDING, new Pending(counters, Mode.AUTO_COMMIT, null));
                return;
            }
            if (inTransaction.getAsBoolean()) {
                if (afterCommit == null)
                    throw new DataAccessException("shardcache: a write inside a transaction it does not manage (inTransaction() is true), "
                        + "without an afterCommit hook to bump " + counters + " when it commits; set CachingDSL.Builder.afterCommit");
                engine.bump(counters);
                ctx.data(PENDING, new Pending(counters, Mode.FRAMEWORK, null));
                return;
            }
            TrackingConnectionProvider.TrackingConnection t = tracking(c);
            if (t == null || !JooqInternals.inJooqTransaction(ctx.configuration()))
                throw new DataAccessException("shardcache: a write on a connection with auto-commit off, outside a transaction whose "
                    + "commit shardcache sees, so it cannot bump " + counters + " after the commit. Run writes in auto-commit, or in "
                    + "cached.dsl().transaction(...) (jOOQ's default transaction provider), or tell the builder about your framework's "
                    + "transactions with inTransaction(...) and afterCommit(...)");
            t.beforeWrite(counters);
            ctx.data(PENDING, new Pending(counters, Mode.TRANSACTION, t));
        } catch (SQLException e) {
            throw new DataAccessException("shardcache: cannot tell whether the connection of a write is in a transaction", e);
        }
    }

    @Override
    public void executeEnd(ExecuteContext ctx) {
        after(ctx);
    }

    @Override
    public void exception(ExecuteContext ctx) {
        after(ctx);
    }

    /**
     * After the statement, whether it succeeded or not: a failure may be ambiguous (the connection
     * lost after the server committed, a batch that committed in part), and a bump too many only
     * costs misses.
     */
    private void after(ExecuteContext ctx) {
        if (ctx.data(PREVIOUS) instanceof Previous previous) {
            ctx.data().remove(PREVIOUS);
            if (previous.executing() == null)
                EXECUTING.remove();
            else
                EXECUTING.set(previous.executing());
        }
        if (!(ctx.data(PENDING) instanceof Pending p))
            return;
        ctx.data().remove(PENDING);
        switch (p.mode()) {
            case AUTO_COMMIT -> engine.bump(p.counters());
            // Each mode is only chosen with what it needs: an afterCommit hook, a tracking connection.
            case FRAMEWORK -> Objects.requireNonNull(afterCommit, "afterCommit").accept(() -> engine.bump(p.counters()));
            case TRANSACTION -> Objects.requireNonNull(p.connection(), "connection").wrote(p.counters());   // bumped when it commits
        }
    }

    private static TrackingConnectionProvider.@Nullable TrackingConnection tracking(Connection c) throws SQLException {
        return c.isWrapperFor(TrackingConnectionProvider.TrackingConnection.class)
            ? c.unwrap(TrackingConnectionProvider.TrackingConnection.class) : null;
    }

    private enum Mode { AUTO_COMMIT, FRAMEWORK, TRANSACTION }

    private record Pending(List<String> counters, Mode mode, TrackingConnectionProvider.@Nullable TrackingConnection connection) {
    }

    private record Previous(@Nullable Executing executing) {
    }
}
