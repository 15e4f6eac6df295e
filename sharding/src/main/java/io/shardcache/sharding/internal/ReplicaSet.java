package io.shardcache.sharding.internal;

import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.sharding.PhysicalServer;
import io.shardcache.sharding.ShardingException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Where a physical server's reads go: its replicas in round robin, then its primary.
 *
 * <p>{@link #acquire(int, String)} starts at the next replica in turn and walks the others, then the
 * primary, until one pool hands out a connection. Only a connection failure moves it on (SQLState class
 * 08, or HikariCP's timeout when the pool cannot reach its server); any other error is thrown at once. A
 * replica that failed is cooling down for {@link #DEFAULT_COOL_DOWN}: it is tried after the primary, so
 * only when the primary gives no connection either. An outage of every replica thus costs the pool's
 * {@code connectionTimeout} once per cool-down, not on every read; reads go to the primary meanwhile.
 * Failover happens when a connection is acquired: a replica that dies in the middle of a query fails that
 * query.
 *
 * <p>Each connection is turned read-only with auto-commit off before it is handed out. With pgjdbc's
 * default {@code readOnlyMode=transaction} that makes every statement run in a {@code BEGIN READ ONLY}
 * transaction, which PostgreSQL enforces; nothing is set on the session, so connections stay safe behind
 * PgBouncer's transaction pooling. {@link #release(Connection)} rolls the transaction back and returns the
 * connection; HikariCP restores auto-commit and read-write.
 *
 * <p>Thread-safe: the round-robin cursor and the cool-down marks are atomics.
 */
public final class ReplicaSet {

    /** How long a replica that failed to connect is tried after the others. */
    public static final Duration DEFAULT_COOL_DOWN = Duration.ofSeconds(5);

    private final PhysicalServer server;
    private final HikariDataSource primary;
    private final List<HikariDataSource> replicas;
    private final AtomicInteger cursor = new AtomicInteger();
    private final AtomicLongArray downUntil;
    private final LongSupplier nanoTime;
    private final long coolDownNanos;

    public ReplicaSet(PhysicalServer server, HikariDataSource primary, List<HikariDataSource> replicas) {
        this(server, primary, replicas, System::nanoTime, DEFAULT_COOL_DOWN);
    }

    ReplicaSet(PhysicalServer server, HikariDataSource primary, List<HikariDataSource> replicas, LongSupplier nanoTime,
               Duration coolDown) {
        this.server = server;
        this.primary = primary;
        this.replicas = replicas;
        this.downUntil = new AtomicLongArray(replicas.size());
        this.nanoTime = nanoTime;
        this.coolDownNanos = coolDown.toNanos();
    }

    /**
     * A read-only connection from the first pool that gives one.
     *
     * @param shard  the logical shard asking, for messages
     * @param schema its schema, for messages
     * @throws ShardingException listing every pool tried and why it failed, if none gave a connection
     */
    public Connection acquire(int shard, String schema) {
        int n = replicas.size();
        long now = nanoTime.getAsLong();
        List<Integer> order = new ArrayList<>(n + 1);
        List<Integer> coolingDown = new ArrayList<>(n);
        int start = n == 0 ? 0 : Math.floorMod(cursor.getAndIncrement(), n);
        for (int k = 0; k < n; k++) {
            int i = (start + k) % n;
            long until = downUntil.get(i);
            (until != 0 && now - until < 0 ? coolingDown : order).add(i);
        }
        // The primary before a replica that is cooling down: trying that one again would cost its timeout
        // on every read while it is down, which the cool-down is there to avoid.
        order.add(-1);
        order.addAll(coolingDown);
        List<String> failures = new ArrayList<>();
        List<SQLException> causes = new ArrayList<>();
        for (int i : order) {
            HikariDataSource pool = i < 0 ? primary : replicas.get(i);
            long began = nanoTime.getAsLong();
            try {
                Connection c = pool.getConnection();
                try {
                    c.setAutoCommit(false);
                    c.setReadOnly(true);
                } catch (SQLException e) {
                    c.close();
                    throw e;
                }
                if (i >= 0)
                    downUntil.set(i, 0);
                return c;
            } catch (SQLException e) {
                if (!ConnectionErrors.isConnectionError(e))
                    throw new ShardingException("reading logical shard " + shard + " (schema " + schema + " on physical server "
                        + server.name() + ") failed on pool " + pool.getPoolName() + ": " + e.getMessage(), shard, server.name(), e);
                if (i >= 0)
                    downUntil.set(i, nanoTime.getAsLong() + coolDownNanos | 1);   // never 0, which means "up"
                failures.add((i < 0 ? "primary " : "replica ") + pool.getPoolName() + " (" + address(pool) + ") after "
                    + (nanoTime.getAsLong() - began) / 1_000_000 + " ms: " + e.getMessage());
                causes.add(e);
            }
        }
        ShardingException e = new ShardingException("no server gave a connection to read logical shard " + shard + " (schema "
            + schema + ") of physical server " + server.name() + ": " + String.join("; ", failures), shard, server.name(),
            causes.getLast());
        causes.subList(0, causes.size() - 1).forEach(e::addSuppressed);
        throw e;
    }

    /** Ends the read-only transaction and returns the connection to its pool. */
    public static void release(Connection c) throws SQLException {
        try {
            if (!c.getAutoCommit())
                c.rollback();
        } finally {
            c.close();
        }
    }

    private static String address(HikariDataSource pool) {
        String url = pool.getJdbcUrl();
        if (url == null)
            return "data source";
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }
}
