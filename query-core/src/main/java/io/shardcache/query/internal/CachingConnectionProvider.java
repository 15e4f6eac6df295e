package io.shardcache.query.internal;

import java.sql.Connection;
import org.jooq.ConnectionProvider;

/**
 * The connection provider of a {@code fromCache(region)} DSL: hands out {@link CachingConnection}s,
 * which take a real connection from the user's provider only when one is really needed.
 */
public final class CachingConnectionProvider implements ConnectionProvider {

    private final ReadContext context;

    public CachingConnectionProvider(ReadContext context) {
        this.context = context;
    }

    /** What every read through this provider is tagged with. */
    ReadContext context() {
        return context;
    }

    @Override
    public Connection acquire() {
        return new CachingConnection(context);
    }

    @Override
    public void release(Connection connection) {
        if (connection instanceof CachingConnection c)
            c.releaseDelegate();
        else
            context.connections().release(connection);
    }
}
