package io.shardcache.query.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jooq.ConnectionProvider;
import org.jooq.tools.jdbc.DefaultConnection;
import org.jspecify.annotations.Nullable;

/**
 * The connection provider of a tracked DSL: hands out the user's connections wrapped so that the
 * generation bumps of writes made in a transaction happen when, and only when, it commits.
 *
 * <p>{@link WriteTracker} tells a connection what each write bumps. On an auto-commit connection
 * the statement is its own transaction and the tracker bumps right after it. Otherwise the
 * counters wait here: {@link Connection#commit()} (which jOOQ's transaction providers and a user
 * holding the connection call) bumps them once the commit has returned, {@link Connection#rollback()}
 * forgets them (the bump made before the write already invalidated whatever was cached meanwhile,
 * which is all a rolled-back write can cost), and turning auto-commit back on, which commits,
 * bumps them. {@link WriteTracker} only lets writes wait here inside a jOOQ transaction, whose
 * provider commits through this wrapper before it gives the connection back; a connection given
 * back with counters still waiting bumps them then, as a safety net.
 */
public final class TrackingConnectionProvider implements ConnectionProvider {

    private final ConnectionProvider delegate;
    private final DogpileEngine engine;

    public TrackingConnectionProvider(ConnectionProvider delegate, DogpileEngine engine) {
        this.delegate = delegate;
        this.engine = engine;
    }

    /** The user's provider. */
    public ConnectionProvider delegate() {
        return delegate;
    }

    @Override
    public @Nullable Connection acquire() {
        Connection c = delegate.acquire();
        return c == null ? null : new TrackingConnection(c, engine);
    }

    @Override
    public void release(Connection connection) {
        if (connection instanceof TrackingConnection t) {
            t.flush();
            delegate.release(t.getDelegate());
        } else {
            delegate.release(connection);
        }
    }

    /** A user's connection that remembers what its open transaction wrote. Not thread-safe, like any JDBC connection. */
    static final class TrackingConnection extends DefaultConnection {

        private final DogpileEngine engine;
        /** Counters bumped before writes of the open transaction, to bump again after it commits. */
        private final Set<String> pending = new LinkedHashSet<>();

        TrackingConnection(Connection delegate, DogpileEngine engine) {
            super(delegate);
            this.engine = engine;
        }

        /** Before a write in a transaction: bumps what this transaction has not bumped yet. */
        void beforeWrite(List<String> counters) {
            List<String> fresh = counters.stream().filter(c -> !pending.contains(c)).toList();
            if (!fresh.isEmpty())
                engine.bump(fresh);
        }

        /** After a write in a transaction (or one that failed: it may still commit in part). */
        void wrote(List<String> counters) {
            pending.addAll(counters);
        }

        @Override
        public void commit() throws SQLException {
            try {
                super.commit();
            } finally {
                flush();   // a commit that failed may still have committed: a bump too many only costs misses
            }
        }

        @Override
        public void rollback() throws SQLException {
            super.rollback();
            pending.clear();
        }

        @Override
        public void setAutoCommit(boolean autoCommit) throws SQLException {
            boolean was = getDelegate().getAutoCommit();
            super.setAutoCommit(autoCommit);
            if (autoCommit && !was)
                flush();   // JDBC: switching auto-commit on commits the open transaction
        }

        @Override
        public void close() throws SQLException {
            flush();
            super.close();
        }

        void flush() {
            if (pending.isEmpty())
                return;
            List<String> counters = List.copyOf(pending);
            pending.clear();
            engine.bump(counters);
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
}
