package io.shardcache.sharding.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Supplier;
import org.jooq.ConnectionProvider;
import org.jooq.exception.DataAccessException;

/**
 * The jOOQ face of a {@link ReplicaSet} for one logical shard: jOOQ calls {@link #acquire()} for each
 * statement (or transaction), which fails over between the server's replicas and its primary.
 * Thread-safe and stateless; one per logical shard so failures name the shard. The replica set is asked
 * for on each acquire, so a shard that moved reads from its new server's replicas.
 */
public record ReplicaConnectionProvider(Supplier<ReplicaSet> replicas, int shard, String schema) implements ConnectionProvider {

    @Override
    public Connection acquire() {
        return replicas.get().acquire(shard, schema);
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
