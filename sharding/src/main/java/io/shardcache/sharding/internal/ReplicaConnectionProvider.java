package io.shardcache.sharding.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import org.jooq.ConnectionProvider;
import org.jooq.exception.DataAccessException;

/**
 * The jOOQ face of a {@link ReplicaSet} for one logical shard: jOOQ calls {@link #acquire()} for each
 * statement (or transaction), which fails over between the server's replicas and its primary.
 * Thread-safe and stateless; one per logical shard so failures name the shard. The replica set is asked
 * for on each acquire, so a shard that moved reads from its new server's replicas.
 */
public record ReplicaConnectionProvider(IntSupplier server, IntFunction<ReplicaSet> replicasOf, int shard, String schema)
    implements ConnectionProvider {

    /** A connection of the shard's current server's replica set, remembering that server. */
    @Override
    public Connection acquire() {
        int s = server.getAsInt();
        return new RoutedConnection(replicasOf.apply(s).acquire(shard, schema), s);
    }

    @Override
    public void release(Connection connection) {
        try {
            ReplicaSet.release(connection);
        } catch (SQLException e) {
            throw new DataAccessException("could not return a replica connection of logical shard " + shard + " (schema "
                + schema + "): " + e.getMessage(), e);
        }
    }
}
