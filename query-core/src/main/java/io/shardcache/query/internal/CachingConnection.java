package io.shardcache.query.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jooq.exception.DataAccessException;
import org.jooq.tools.jdbc.DefaultConnection;
import org.jspecify.annotations.Nullable;

/**
 * A connection whose real JDBC connection is acquired lazily, on first use.
 *
 * <p>Reads ({@link SqlClassifier}) get a {@link CachedReadStatement}, so a cache hit never takes a
 * connection from the pool - and keeps working while the database is unreachable. Every other
 * statement and call goes to the real connection, acquired from the user's provider at that moment
 * and given back when jOOQ releases this one.
 *
 * <p>Not thread-safe, like any JDBC connection; jOOQ acquires one per execution.
 */
final class CachingConnection extends DefaultConnection {

    private final ReadContext context;
    private @Nullable Connection real;

    CachingConnection(ReadContext context) {
        super(null);
        this.context = context;
    }

    ReadContext context() {
        return context;
    }

    @Override
    public Connection getDelegate() {
        if (context.probe() != null)   // a statement jOOQ made other than by prepareStatement(sql, ...): never run it
            throw new DataAccessException("shardcache: a probe runs nothing and takes no connection, but this query "
                + "needs one (a static statement or a call): it cannot be named or looked up ahead without running");
        if (real == null) {
            real = context.connections().acquire();
            if (real == null)
                throw new DataAccessException("shardcache: the ConnectionProvider of the wrapped DSLContext returned no connection");
        }
        return real;
    }

    void releaseDelegate() {
        Connection c = real;
        real = null;
        if (c != null)
            context.connections().release(c);
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return prepare(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, 0);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
        return prepare(sql, type, concurrency, 0);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability) throws SQLException {
        return prepare(sql, type, concurrency, holdability);
    }

    private PreparedStatement prepare(String sql, int type, int concurrency, int holdability) throws SQLException {
        boolean read = SqlClassifier.isCacheableRead(sql);
        if (read || context.probe() != null)   // a probe never runs anything, reads or not
            return new CachedReadStatement(this, sql, type, concurrency, holdability, read);
        return holdability == 0
            ? getDelegate().prepareStatement(sql, type, concurrency)
            : getDelegate().prepareStatement(sql, type, concurrency, holdability);
    }

    /** The server's identity without taking a connection; see {@link ServerMetaData}. */
    @Override
    public java.sql.DatabaseMetaData getMetaData() {
        return context.serverMetaData().of(this);
    }

    /**
     * jOOQ asks this before a read with a fetch size, only to decide whether to log a hint; taking a
     * pooled connection for that would make a cache hit depend on the pool. A pool hands out
     * auto-commit connections unless configured otherwise; a single connection is asked for real.
     */
    @Override
    public boolean getAutoCommit() throws SQLException {
        if (real == null && (!context.singleConnection() || context.probe() != null))
            return true;
        return getDelegate().getAutoCommit();
    }

    @Override
    public void close() {
        releaseDelegate();
    }

    @Override
    public boolean isClosed() throws SQLException {
        return real != null && real.isClosed();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : getDelegate().unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || getDelegate().isWrapperFor(iface);
    }
}
