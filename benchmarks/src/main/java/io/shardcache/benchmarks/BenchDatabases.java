package io.shardcache.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import io.shardcache.testing.PostgresService;
import io.shardcache.testing.TestServices;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Databases that stand in for physical servers in the sharding benchmarks: created on the server
 * {@link TestServices#postgres()} finds, with names unique to the trial ({@code sc_bench_<random>_<suffix>}),
 * and dropped by {@link #close()}, which drops only the databases this instance created.
 *
 * <p>Written here rather than taken from the sharding module's tests: the benchmarks do not depend on
 * another module's test classes. Not thread-safe; a trial's setup and teardown use it.
 */
final class BenchDatabases implements AutoCloseable {

    private final PostgresService postgres = TestServices.postgres();
    private final String prefix = "sc_bench_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final List<String> created = new ArrayList<>();

    /** Creates database {@code sc_bench_<random>_<suffix>} and returns its name. */
    String create(String suffix) throws SQLException {
        String name = prefix + "_" + suffix;
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("create database " + name);
        }
        created.add(name);
        return name;
    }

    /**
     * A pool of {@code poolSize} connections to {@code db}, all opened and kept (HikariCP's default
     * {@code minimumIdle} is the maximum), so no measured call opens one. PostgreSQL's parallel query is
     * off on these connections: each statement then runs on one backend, and a comparison of fan-out modes
     * is about the fan-out, not about how many parallel workers the server happened to start.
     */
    HikariConfig config(String db, String poolName, int poolSize) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(postgres.jdbcUrl(db));
        c.setMaximumPoolSize(poolSize);
        c.setPoolName(poolName);
        c.addDataSourceProperty("ApplicationName", poolName);
        c.addDataSourceProperty("options", "-c max_parallel_workers_per_gather=0");
        return c;
    }

    /** Opens a plain, unpooled connection to {@code db}; the caller closes it. */
    Connection connect(String db) throws SQLException {
        return postgres.withDatabase(db).connect();
    }

    /** Runs {@code sql} (one or more statements, no results) on {@code db} over a plain connection. */
    void execute(String db, String sql) throws SQLException {
        try (Connection c = connect(db); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The first column of the first row of {@code sql} on {@code db}, as a long. */
    long queryLong(String db, String sql) throws SQLException {
        try (Connection c = connect(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next())
                throw new IllegalStateException("no row from " + sql + " on " + db);
            return rs.getLong(1);
        }
    }

    /** Where the server came from and what it is, for the benchmark's log and the README. */
    String describeServer() throws SQLException {
        return BenchDatabase.describe(postgres);
    }

    /** Drops every database this instance created ({@code with (force)}: a leaked connection must not keep one). */
    @Override
    public void close() throws SQLException {
        SQLException first = null;
        for (String db : created) {
            try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
                s.execute("drop database if exists " + db + " with (force)");
            } catch (SQLException e) {
                if (first == null)
                    first = e;
                else
                    first.addSuppressed(e);
            }
        }
        created.clear();
        if (first != null)
            throw first;
    }
}
