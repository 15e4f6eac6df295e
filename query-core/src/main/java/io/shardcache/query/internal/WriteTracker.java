package io.shardcache.query.internal;

import io.shardcache.query.ShardcacheException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.Query;
import org.jooq.exception.DataAccessException;

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
 * returned, every entry computed before it is a miss in every process.
 *
 * <p>Stateless apart from the thread-local; one instance per tracked DSL family. Thread-safe.
 */
public final class WriteTracker implements ExecuteListener {

    private static final ThreadLocal<ExecuteContext> EXECUTING = new ThreadLocal<>();
    private static final String PENDING = "io.shardcache.write";

    private final DogpileEngine engine;
    private final Function<ExecuteContext, TableCounters> countersOf;
    private final Function<ExecuteContext, List<TableName>> declaredOf;
    private final java.util.function.BooleanSupplier inTransaction;
    private final Consumer<Runnable> afterCommit;

    /**
     * @param countersOf    the counters of the scope an execution runs in (its configuration's)
     * @param declaredOf    the tables declared for an execution's DSL
     * @param inTransaction the user's test for a transaction shardcache does not manage
     * @param afterCommit   runs a task after that transaction commits; null when not given
     */
    public WriteTracker(DogpileEngine engine, Function<ExecuteContext, TableCounters> countersOf,
                        Function<ExecuteContext, List<TableName>> declaredOf,
                        java.util.function.BooleanSupplier inTransaction, Consumer<Runnable> afterCommit) {
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
    static Query executing(String sql) {
        ExecuteContext ctx = EXECUTING.get();
        return ctx != null && sql.equals(ctx.sql()) ? ctx.query() : null;
    }

    @Override
    public void start(ExecuteContext ctx) {
        EXECUTING.set(ctx);
    }

    @Override
    public void end(ExecuteContext ctx) {
        EXECUTING.remove();
    }

    @Override
    public void executeStart(ExecuteContext ctx) {
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
                ctx.data(PENDING, new Pending(counters, null));
                return;
            }
            if (inTransaction.getAsBoolean()) {
                if (afterCommit == null)
                    throw new DataAccessException("shardcache: a write inside a transaction it does not manage (inTransaction() is true), "
                        + "without an afterCommit hook to bump " + counters + " when it commits; set CachingDSL.Builder.afterCommit");
                engine.bump(counters);
                ctx.data(PENDING, new Pending(counters, null));
                return;
            }
            TrackingConnectionProvider.TrackingConnection t = tracking(c);
            if (t == null)
                throw new DataAccessException("shardcache: a write in a transaction whose commit it cannot see (the transaction was not "
                    + "started on CachingDSL.dsl() or a DSL made from it), so it cannot bump " + counters
                    + " after the commit; start the transaction on the caching DSL's dsl()");
            t.beforeWrite(counters);
            ctx.data(PENDING, new Pending(counters, t));
        } catch (SQLException e) {
            throw new DataAccessException("shardcache: cannot tell whether the connection of a write is in a transaction", e);
        }
    }

    @Override
    public void executeEnd(ExecuteContext ctx) {
        after(ctx, true);
    }

    @Override
    public void exception(ExecuteContext ctx) {
        after(ctx, false);
    }

    private void after(ExecuteContext ctx, boolean succeeded) {
        if (!(ctx.data(PENDING) instanceof Pending p))
            return;
        ctx.data().remove(PENDING);
        if (p.connection() != null) {
            p.connection().wrote(p.counters());   // bumped when it commits
            return;
        }
        if (inTransactionOfFramework(ctx)) {
            afterCommit.accept(() -> engine.bump(p.counters()));
            return;
        }
        if (succeeded)
            engine.bump(p.counters());   // auto-commit: the statement has committed
        // an auto-commit statement that failed committed nothing: its bump before it is enough
    }

    private boolean inTransactionOfFramework(ExecuteContext ctx) {
        try {
            return afterCommit != null && inTransaction.getAsBoolean() && !ctx.connection().getAutoCommit();
        } catch (SQLException e) {
            throw new ShardcacheException("shardcache: cannot tell whether the connection of a write is in a transaction", e);
        }
    }

    private static TrackingConnectionProvider.TrackingConnection tracking(Connection c) throws SQLException {
        return c.isWrapperFor(TrackingConnectionProvider.TrackingConnection.class)
            ? c.unwrap(TrackingConnectionProvider.TrackingConnection.class) : null;
    }

    private record Pending(List<String> counters, TrackingConnectionProvider.TrackingConnection connection) {
    }
}
