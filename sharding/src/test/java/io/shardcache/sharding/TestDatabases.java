package io.shardcache.sharding;

import com.zaxxer.hikari.HikariConfig;
import io.shardcache.testing.PostgresService;
import io.shardcache.testing.TestServices;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Databases on the shared test server that stand in for physical servers: created with names unique to
 * this run ({@code sc_shard_<random>_<suffix>}), dropped by {@link #close()}; it drops only those it created.
 */
final class TestDatabases implements AutoCloseable {

    final PostgresService postgres = TestServices.postgres();
    private final String prefix = "sc_shard_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final List<String> created = new ArrayList<>();

    String create(String suffix) throws SQLException {
        String name = prefix + "_" + suffix;
        execute(postgres, "create database " + name);
        created.add(name);
        return name;
    }

    /**
     * The usual test map: 16 logical shards, {@code db1} on database {@code a} with shards [0, 8) and
     * {@code db2} on {@code b} with [8, 16), pools of 4. Callers add what their test needs.
     */
    ShardMap.Builder sixteenShards(String a, String b) {
        return ShardMap.builder().logicalShards(16)
            .physical("db1", config(a, "db1", 4), 0, 8)
            .physical("db2", config(b, "db2", 4), 8, 16);
    }

    /** Closes the sharding (its pools) before dropping the databases; either may be null. */
    static void close(Sharding sharding, TestDatabases dbs) throws SQLException {
        if (sharding != null)
            sharding.close();
        if (dbs != null)
            dbs.close();
    }

    /** A pool config for {@code db} whose connections report {@code applicationName}, so tests can tell pools apart. */
    HikariConfig config(String db, String applicationName, int poolSize) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(postgres.jdbcUrl(db));
        c.setMaximumPoolSize(poolSize);
        c.setMinimumIdle(0);
        c.setConnectionTimeout(2_000);
        c.addDataSourceProperty("ApplicationName", applicationName);
        return c;
    }

    /** A pool config for a server that is down: nothing listens on the port. */
    static HikariConfig dead(String applicationName) throws IOException {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + closedPort() + "/gone?user=postgres&connectTimeout=1");
        c.setMaximumPoolSize(2);
        c.setMinimumIdle(0);
        c.setConnectionTimeout(250);
        c.addDataSourceProperty("ApplicationName", applicationName);
        return c;
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    Connection connect(String db) throws SQLException {
        return postgres.withDatabase(db).connect();
    }

    /** The first column of every row of {@code sql} run on {@code db} over a plain connection, as strings. */
    List<String> query(String db, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = connect(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next())
                out.add(rs.getString(1));
        }
        return out;
    }

    private static void execute(PostgresService pg, String sql) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() throws SQLException {
        for (String db : created)
            execute(postgres, "drop database if exists " + db + " with (force)");
        created.clear();
    }
}
