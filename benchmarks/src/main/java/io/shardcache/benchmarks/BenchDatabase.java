package io.shardcache.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.testing.PostgresService;
import io.shardcache.testing.TestServices;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * A benchmark's own PostgreSQL schema, {@code bench_<random>}, holding one table ({@link RowsTable})
 * of {@value #ROWS} rows, and a HikariCP pool with a jOOQ {@link DSLContext} over it, as an application would run.
 *
 * <p>The server is the one {@link TestServices#postgres()} finds (SHARDCACHE_PG_URL, loopback, or
 * embedded). {@link #close()} drops the schema (only this one, which it created) and closes the
 * pool. Not thread-safe to create or close; {@link #dsl()} is as thread-safe as jOOQ over a pool.
 */
public final class BenchDatabase implements AutoCloseable {

    public static final int ROWS = 10_000;

    private final PostgresService postgres;
    private final String schema;
    private final HikariDataSource pool;
    private final DSLContext dsl;
    private final RowsTable rows;

    public BenchDatabase(int poolSize) throws SQLException {
        this.postgres = TestServices.postgres();
        this.schema = "bench_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        execute("create schema \"" + schema + "\"");
        try {
            execute("create table \"" + schema + "\".rows ("
                + " id bigint primary key, name text not null, price numeric(10,2),"
                + " created_at timestamptz not null, active boolean not null)");
            execute("insert into \"" + schema + "\".rows"
                + " select g, 'row ' || g, g * 1.25, timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute', g % 2 = 0"
                + " from generate_series(1, " + ROWS + ") g");
            execute("analyze \"" + schema + "\".rows");

            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(postgres.jdbcUrl());
            config.setMaximumPoolSize(poolSize);
            config.setPoolName("bench-" + schema);
            this.pool = new HikariDataSource(config);
        } catch (SQLException | RuntimeException e) {
            dropSchema(e);
            throw e;
        }
        this.dsl = DSL.using(pool, SQLDialect.POSTGRES);
        this.rows = new RowsTable(schema);
    }

    public DSLContext dsl() {
        return dsl;
    }

    public RowsTable rows() {
        return rows;
    }

    public String schema() {
        return schema;
    }

    /** Where the server came from and what it is, for the benchmark's log and the README. */
    public String describeServer() throws SQLException {
        return describe(postgres);
    }

    static String describe(PostgresService postgres) throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select version()")) {
            rs.next();
            return "PostgreSQL from " + postgres.source() + " at " + postgres.address() + ": " + rs.getString(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            pool.close();
        } finally {
            execute("drop schema if exists \"" + schema + "\" cascade");
        }
    }

    private void dropSchema(Exception failure) {
        try {
            execute("drop schema if exists \"" + schema + "\" cascade");
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
