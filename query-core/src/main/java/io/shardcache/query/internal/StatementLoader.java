package io.shardcache.query.internal;

import io.shardcache.query.spi.SkipReason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import org.jooq.ConnectionProvider;
import org.jooq.Record;
import org.jooq.Result;

/**
 * Runs a cached read on the database: takes a connection from the user's provider, prepares the
 * same SQL, replays the recorded binds and options, and reads the rows with the types the driver
 * reports. Records whether the rows can only be committed data (see {@link #seesOnlyCommitted}):
 * rows read inside a transaction that may have written may be uncommitted, so they are returned but
 * never stored.
 */
record StatementLoader(ReadContext context, String sql, int type, int concurrency, int holdability, Binds binds,
                       long maxRows, int queryTimeout) implements Loader {

    @Override
    public Loaded load() throws SQLException {
        ConnectionProvider provider = context.connections();
        Connection c = provider.acquire();
        try {
            boolean committed = seesOnlyCommitted(Objects.requireNonNull(c, "the user's ConnectionProvider returned no connection"));
            if (!context.keyContext().session().matches(c))
                throw new Uncacheable(SkipReason.SESSION, false, "the connection's session differs from the one the keys name");
            // No fetch size: a cached read is materialized whole, and outside a transaction the driver ignores it.
            // An updatable result set is the one way to have the driver receive text for every column,
            // exactly what PostgreSQL printed; otherwise it switches a statement it has described to
            // binary transfer, where its getString of some types (bytea, floats) says something else.
            // Nothing is ever updated through it.
            try (PreparedStatement ps = prepare(c, sql, type, ResultSet.CONCUR_UPDATABLE, holdability, binds, maxRows,
                     queryTimeout, 0);
                 ResultSet rs = ps.executeQuery()) {
                Result<Record> rows = ResultReader.read(context.reader(), rs);
                return new Loaded(rows, committed).onReplica(context.replica());
            }
        } finally {
            provider.release(c);
        }
    }

    /**
     * Whether what a read on {@code c} returns can only be committed data: in auto-commit, or in a
     * transaction that is read-only from its start (PostgreSQL's driver refuses {@code setReadOnly}
     * inside a transaction, so a read-only connection began its transaction read-only, and so cannot
     * have written anything of its own) under READ COMMITTED, where each statement sees what was
     * committed before it. That is how a replica's pool hands out connections ({@code BEGIN READ
     * ONLY} per use). Under REPEATABLE READ or SERIALIZABLE the snapshot may predate a later commit,
     * so such rows are not stored.
     */
    static boolean seesOnlyCommitted(Connection c) throws SQLException {
        if (c.getAutoCommit())
            return true;
        return c.isReadOnly() && c.getTransactionIsolation() <= Connection.TRANSACTION_READ_COMMITTED;
    }

    /** The binds are copied: the statement that recorded them may be reused or gone by then. */
    @Override
    public Loader detached() {
        return new StatementLoader(context, sql, type, concurrency, holdability, binds.copy(), maxRows, queryTimeout);
    }

    /** A user's single connection must not be used by a background refresh while its owner uses it. */
    @Override
    public boolean detachable() {
        return !context.singleConnection();
    }

    static PreparedStatement prepare(Connection c, String sql, int type, int concurrency, int holdability, Binds binds,
                                     long maxRows, int queryTimeout, int fetchSize) throws SQLException {
        PreparedStatement ps = holdability == 0
            ? c.prepareStatement(sql, type, concurrency)
            : c.prepareStatement(sql, type, concurrency, holdability);
        try {
            binds.replay(ps, c);
            if (maxRows > 0) {
                if (maxRows > Integer.MAX_VALUE)
                    ps.setLargeMaxRows(maxRows);
                else
                    ps.setMaxRows((int) maxRows);
            }
            if (queryTimeout > 0)
                ps.setQueryTimeout(queryTimeout);
            if (fetchSize > 0)
                ps.setFetchSize(fetchSize);
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }
}
