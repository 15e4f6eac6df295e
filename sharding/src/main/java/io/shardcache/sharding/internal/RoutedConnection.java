package io.shardcache.sharding.internal;

import java.sql.Connection;
import org.jooq.tools.jdbc.DefaultConnection;

/**
 * A pooled connection of a shard context that remembers which physical server it was taken from, so that a
 * statement refused there can be told apart from one refused on the shard's current server, even inside a
 * transaction that took its connection before the process learnt of a move. Every call goes to the pooled
 * connection; closing it returns that to its pool.
 *
 * <p>Not for use outside shardcache.
 */
public final class RoutedConnection extends DefaultConnection {
    private final int server;

    public RoutedConnection(Connection pooled, int server) {
        super(pooled);
        this.server = server;
    }

    /**
     * The index of the server {@code connection} (as jOOQ hands it to listeners, through its own wrappers)
     * was taken from, or -1 if it is not a shard context's.
     */
    public static int serverOf(Connection connection) {
        for (Connection c = connection; c instanceof DefaultConnection d; c = d.getDelegate())
            if (d instanceof RoutedConnection r)
                return r.server;
        return -1;
    }
}
