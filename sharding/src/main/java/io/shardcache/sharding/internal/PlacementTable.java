package io.shardcache.sharding.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Where moved shards live, as every physical server records it: table {@code shardcache.shard_placement},
 * one row per moved logical shard and map, holding the server it lives on and the version of the move
 * (versions grow across the whole map, so the row with the highest version is the truth). A shard that
 * never moved has no row and lives where the map declares it.
 *
 * <p>Also the two tables a move needs: {@code shardcache.shard_move}, the journal of moves (recorded on the
 * shard's source server), and {@code shardcache.move_sync}, the markers a move replicates to learn that the
 * target has applied everything (see {@code ShardMoves}).
 */
public final class PlacementTable {

    /** One moved shard: where it lives since move {@code version}. */
    public record Row(int shard, String server, long version) {
    }

    private static final String LOCK = "select pg_advisory_xact_lock(hashtext('shardcache.shard_map'))";

    private static final String DDL = """
        create schema if not exists shardcache;
        create table if not exists shardcache.shard_placement (
          map_name text not null,
          shard    int not null,
          server   text not null,
          version  bigint not null,
          moved_at timestamptz not null default now(),
          primary key (map_name, shard)
        );
        create table if not exists shardcache.shard_move (
          map_name    text not null,
          shard       int not null,
          version     bigint not null,
          from_server text not null,
          to_server   text not null,
          state       text not null,
          old_schema  text,
          started_at  timestamptz not null default now(),
          updated_at  timestamptz not null default now(),
          primary key (map_name, shard, version)
        );
        create table if not exists shardcache.move_sync (
          move  text not null,
          token text not null,
          primary key (move, token)
        )""";

    private PlacementTable() {
    }

    /** Creates the tables if they are missing; safe from many processes at once. */
    public static void prepare(Connection c) throws SQLException {
        Transactions.runInTransaction(c, LOCK + ";\n" + DDL);
    }

    /** Every moved shard of {@code mapName} this server knows of; none if the table does not exist yet. */
    public static List<Row> read(Connection c, String mapName) throws SQLException {
        return query(c, "select shard, server, version from shardcache.shard_placement where map_name = ?", mapName, -1);
    }

    /** What this server knows of {@code shard}'s moves: zero or one row. */
    public static List<Row> read(Connection c, String mapName, int shard) throws SQLException {
        return query(c, "select shard, server, version from shardcache.shard_placement where map_name = ? and shard = ?",
            mapName, shard);
    }

    /** The highest version this server recorded for {@code mapName}, in placements and in moves begun; 0 if none. */
    public static long maxVersion(Connection c, String mapName) throws SQLException {
        if (!exists(c))
            return 0;
        try (PreparedStatement ps = c.prepareStatement("select greatest((select max(version) from shardcache.shard_placement"
            + " where map_name = ?), (select max(version) from shardcache.shard_move where map_name = ?))")) {
            ps.setString(1, mapName);
            ps.setString(2, mapName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Records that {@code shard} lives on {@code server} since {@code version}, unless a newer move is recorded. */
    public static void record(Connection c, String mapName, Row row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into shardcache.shard_placement (map_name, shard, server, version)"
            + " values (?, ?, ?, ?) on conflict (map_name, shard) do update set server = excluded.server,"
            + " version = excluded.version, moved_at = now() where shard_placement.version < excluded.version")) {
            ps.setString(1, mapName);
            ps.setInt(2, row.shard());
            ps.setString(3, row.server());
            ps.setLong(4, row.version());
            ps.executeUpdate();
        }
    }

    private static boolean exists(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select to_regclass('shardcache.shard_placement') is not null"
                 + " and to_regclass('shardcache.shard_move') is not null")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static List<Row> query(Connection c, String sql, String mapName, int shard) throws SQLException {
        List<Row> rows = new ArrayList<>();
        if (!exists(c))
            return rows;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, mapName);
            if (shard >= 0)
                ps.setInt(2, shard);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next())
                    rows.add(new Row(rs.getInt(1), rs.getString(2), rs.getLong(3)));
            }
        }
        return rows;
    }
}
