package io.shardcache.query.internal;

import io.shardcache.query.spi.SkipReason;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.tools.jdbc.MockResultSet;

/**
 * The CachingExecutor: what a read tagged {@code fromCache(region)} does when jOOQ executes it.
 * It computes the key from the rendered SQL plus its bind values ({@link KeyMaterial}: SHA-1 of both,
 * with the session inputs that change what the SQL answers), then serves the rows from the region
 * ({@link DogpileEngine}), or runs the statement on the database when the cache must not answer:
 * inside a transaction, for SQL whose column types no cached result set reproduces, on a connection
 * whose session changed since its key inputs were read. See this package's {@code package-info.java}
 * for the whole path.
 */
final class CachingExecutor {

    /** The statement's own execution on the database, whose live result set the caller then gets. */
    interface Live {
        ResultSet run() throws SQLException;
    }

    /**
     * The real connection under the caching one, taken from the user's provider only when asked for:
     * a read served from the cache takes none.
     */
    interface Delegate {
        Connection get() throws SQLException;
    }

    /** One execution of a read's statement: its SQL, binds and JDBC settings as jOOQ set them. */
    record Execution(String sql, Binds binds, long maxRows, int resultSetType, int resultSetConcurrency, int resultSetHoldability,
                     int queryTimeout) {
    }

    private CachingExecutor() {
    }

    /**
     * The result set for {@code execution}: cached rows, rows from one regeneration shared across the
     * cluster, or {@code live}'s result set when the read is not cached (counted as skipped, with why).
     *
     * @param delegate  the real connection under the caching one, asked for only on a single connection
     * @param cacheable false only for a probe of a statement that is not a read: it runs nothing
     */
    static ResultSet execute(ReadContext context, Delegate delegate, Execution execution, boolean cacheable, Live live)
            throws SQLException {
        DogpileEngine engine = context.engine();
        String sql = execution.sql();
        if (context.probe() == null && (context.inTransaction().getAsBoolean()
            || (context.singleConnection() && !delegate.get().getAutoCommit())))
            return skipped(context, KeyMaterial.ofStatement(context.keyContext().known(), sql, execution.maxRows(), execution.binds()),
                SkipReason.TRANSACTION, live);
        KeyMaterial statement = KeyMaterial.ofStatement(context.keyContext().get(), sql, execution.maxRows(), execution.binds());
        if (context.probe() != null) {
            if (cacheable)
                context.probe().accept(new Probe(context, statement, WriteTracker.executing(sql), sql, execution.maxRows(),
                    execution.binds().copy(), execution.resultSetType(), execution.resultSetConcurrency(),
                    execution.resultSetHoldability(), execution.queryTimeout()));
            return new MockResultSet(context.reader().newResult());
        }
        if (engine.passesThrough(sql) != null)
            return skipped(context, statement, SkipReason.UNSUPPORTED_TYPE, live);
        // The caller's own connection may have changed its session since the keys' inputs were read.
        if (context.singleConnection() && !context.keyContext().session().matches(delegate.get()))
            return skipped(context, statement, SkipReason.SESSION, live);
        if (engine.churning(context.region(), context.naming(statement)))
            return skipped(context, statement, SkipReason.CHURN, live);
        long began = System.nanoTime();
        Lookup k = engine.lookupAndRead(context.region(), context.naming(statement), statement,
            context.tablesOf(sql, WriteTracker.executing(sql)));
        Result<Record> rows;
        try {
            rows = engine.fetch(k, new StatementLoader(context, sql, execution.resultSetType(), execution.resultSetConcurrency(),
                execution.resultSetHoldability(), execution.binds(), execution.maxRows(), execution.queryTimeout()));
        } catch (Uncacheable u) {
            return live.run();   // counted by the engine
        }
        engine.read(context.region(), k.key(), System.nanoTime() - began);
        return new PgTextResultSet(rows);
    }

    /** Counts the read as not cached, then runs it on the database: the caller gets the live result set. */
    private static ResultSet skipped(ReadContext context, KeyMaterial statement, SkipReason reason, Live live) throws SQLException {
        DogpileEngine engine = context.engine();
        engine.skipped(engine.keyOf(context.region(), context.naming(statement), statement), reason);
        return live.run();
    }
}
