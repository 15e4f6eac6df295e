package io.shardcache.sharding.internal;

import io.shardcache.sharding.PhysicalServer;
import io.shardcache.sharding.ShardMap;
import io.shardcache.sharding.ShardingException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The shard map as each physical server remembers it: table {@code shardcache.shard_map}, one row per
 * sharded map (category) that uses the database, holding the server's name, the logical shard count, the
 * schema pattern and the range of logical shards the server holds.
 *
 * <p>Each server records only its own part, so the check needs no central store: a map that changes the
 * shard count or the pattern contradicts every server's row; a map that moves shards away from a server
 * contradicts that server's range; a map that gives a server shards it never recorded (which must have
 * come from another server, the count being fixed) contradicts its range too. A server's identity is its
 * name in the map: a row recorded under another name means the configs point at other databases than
 * before.
 *
 * <p>{@link #verifyAndRecord} first reads every server and refuses the map if any row contradicts it, and
 * only then records the rows that are missing, so a refused map leaves no trace. Concurrent starts are
 * serialised per database by a transaction-scoped advisory lock; the insert re-checks under that lock.
 */
public final class MetadataTable {

    /** The schema of the metadata table; no shard schema may take this name. */
    public static final String SCHEMA = "shardcache";

    /** The metadata table's name inside {@link #SCHEMA}. */
    public static final String TABLE = "shard_map";

    // hashtext() is stable across PostgreSQL versions for the same string; any constant would do.
    private static final String LOCK = "select pg_advisory_xact_lock(hashtext('shardcache.shard_map'))";

    private static final String DDL = """
        create schema if not exists shardcache;
        create table if not exists shardcache.shard_map (
          map_name       text primary key,
          server         text not null,
          logical_shards int not null,
          schema_pattern text not null,
          first_shard    int not null,
          end_shard      int not null,
          recorded_at    timestamptz not null default now()
        )""";

    /** One server's memory of the map. */
    public record Recorded(String server, int logicalShards, String schemaPattern, int firstShard, int endShard) {
    }

    private MetadataTable() {
    }

    /**
     * Checks {@code map} against what every physical server recorded for {@code mapName}, then records it
     * on the servers that have no row yet.
     *
     * @param pools the primary pool of each server, by name
     * @throws ShardingException listing every contradiction, or naming the server that could not be reached
     */
    public static void verifyAndRecord(String mapName, ShardMap map, Function<String, DataSource> pools) {
        // A set: a changed shard count or pattern contradicts every server's row in the same words.
        Set<String> problems = new LinkedHashSet<>();
        List<PhysicalServer> fresh = new ArrayList<>();
        for (PhysicalServer server : map.servers()) {
            Recorded recorded = withServer(server, pools, c -> {
                prepare(c);
                return read(c, mapName);
            });
            if (recorded == null)
                fresh.add(server);
            else
                problems.addAll(contradictions(mapName, map, server, recorded));
        }
        if (!problems.isEmpty())
            throw new ShardingException("the shard map '" + mapName + "' contradicts what its servers recorded: "
                + String.join("; ", problems));
        for (PhysicalServer server : fresh) {
            List<String> late = withServer(server, pools, c -> {
                Recorded recorded = read(c, mapName);
                if (recorded != null)       // another process recorded it in between
                    return contradictions(mapName, map, server, recorded);
                insert(c, mapName, map, server);
                return List.of();
            });
            if (!late.isEmpty())
                throw new ShardingException("the shard map '" + mapName + "' contradicts what its servers recorded: "
                    + String.join("; ", late));
        }
    }

    /** What {@code server} recorded for {@code mapName}, or {@code null}; for tests and tooling. */
    public static @Nullable Recorded recorded(DataSource dataSource, String mapName) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (ResultSet rs = c.getMetaData().getTables(null, SCHEMA, TABLE, null)) {
                if (!rs.next())
                    return null;
            }
            return read(c, mapName);
        }
    }

    static List<String> contradictions(String mapName, ShardMap map, PhysicalServer server, Recorded recorded) {
        List<String> problems = new ArrayList<>();
        if (!recorded.server().equals(server.name())) {
            problems.add("database " + server.address() + " was recorded as physical server '" + recorded.server()
                + "' of map '" + mapName + "' but the map calls it '" + server.name()
                + "': a server's name is its identity; do two servers' configs point at each other's databases?");
            return problems;
        }
        if (recorded.logicalShards() != map.logicalShards()) {
            problems.add("logical shard count changed from " + recorded.logicalShards() + " to " + map.logicalShards()
                + ": it is fixed for the life of the data");
            return problems;
        }
        if (!recorded.schemaPattern().equals(map.schemaPattern()))
            problems.add("schema pattern changed from '" + recorded.schemaPattern() + "' to '" + map.schemaPattern()
                + "': the existing schemas would no longer be found");
        // Shards the server recorded but the map takes away from it: name where the map puts them now.
        for (int[] lost : minus(recorded.firstShard(), recorded.endShard(), server.firstShard(), server.endShard()))
            for (PhysicalServer now : map.servers()) {
                int from = Math.max(lost[0], now.firstShard());
                int to = Math.min(lost[1], now.endShard());
                if (from < to)
                    problems.add("logical shards [" + from + ", " + to + ") were recorded on server " + server.name()
                        + " but the map puts them on " + now.name() + "; move them with ShardMoves instead of editing the ranges");
            }
        // Shards the map gives the server that it never recorded: their data lives elsewhere.
        for (int[] gained : minus(server.firstShard(), server.endShard(), recorded.firstShard(), recorded.endShard()))
            problems.add("the map puts logical shards [" + gained[0] + ", " + gained[1] + ") on server " + server.name()
                + ", which recorded only [" + recorded.firstShard() + ", " + recorded.endShard()
                + "); their data is on another server; move them with ShardMoves instead of editing the ranges");
        return problems;
    }

    /** {@code [a, b) \ [c, d)} as zero, one or two ranges. */
    private static List<int[]> minus(int a, int b, int c, int d) {
        List<int[]> out = new ArrayList<>(2);
        if (a < Math.min(b, c))
            out.add(new int[] {a, Math.min(b, c)});
        if (Math.max(a, d) < b)
            out.add(new int[] {Math.max(a, d), b});
        return out;
    }

    private interface Work<T extends @Nullable Object> {
        T run(Connection c) throws SQLException;
    }

    private static <T extends @Nullable Object> T withServer(PhysicalServer server, Function<String, DataSource> pools,
                                                             Work<T> work) {
        try (Connection c = pools.apply(server.name()).getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (Statement s = c.createStatement()) {
                    s.execute(LOCK);
                }
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new ShardingException("could not read or record the shard map on physical server " + server.name()
                + " (" + server.address() + "): " + e.getMessage(), -1, server.name(), e);
        }
    }

    private static void prepare(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(DDL);
        }
    }

    private static @Nullable Recorded read(Connection c, String mapName) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select server, logical_shards, schema_pattern, first_shard, end_shard"
            + " from shardcache.shard_map where map_name = ?")) {
            ps.setString(1, mapName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Recorded(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getInt(4), rs.getInt(5)) : null;
            }
        }
    }

    private static void insert(Connection c, String mapName, ShardMap map, PhysicalServer server) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into shardcache.shard_map"
            + " (map_name, server, logical_shards, schema_pattern, first_shard, end_shard) values (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, mapName);
            ps.setString(2, server.name());
            ps.setInt(3, map.logicalShards());
            ps.setString(4, map.schemaPattern());
            ps.setInt(5, server.firstShard());
            ps.setInt(6, server.endShard());
            ps.executeUpdate();
        }
    }
}
