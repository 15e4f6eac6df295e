package io.shardcache.benchmarks.stampede;

import io.shardcache.testing.PostgresService;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The harness's objects on PostgreSQL, prepared by the parent process.
 *
 * <ul>
 * <li>Schema {@value #SCHEMA}: table {@code executions} (one row per real execution of a stampede
 *     query, keyed by the run's counter key), {@code touch(run_key)} which appends such a row, and
 *     {@code sleep_and_touch(run_key, ms)}. Created if missing and kept; a run deletes only its own
 *     rows. An append-only row per execution, rather than one counter row incremented, because the
 *     naive scheme runs up to a few hundred executions at once and they must not queue on one row lock.</li>
 * <li>Schema {@value #PGBENCH}: pgbench's four tables at scale {@value #PGBENCH_SCALE}
 *     (2,000,000 accounts), loaded once by {@link #ensurePgbench} and kept between runs.</li>
 * </ul>
 * Both are created under an advisory lock, so concurrent runs do not trip over each other. Nothing
 * else on the server is touched. Not thread-safe.
 */
final class StampedeDatabase {

    static final String SCHEMA = "stampede";
    static final String PGBENCH = "stampede_pgbench";
    static final int PGBENCH_SCALE = 20;
    static final int ACCOUNTS_PER_BRANCH = 100_000;

    /** pg_advisory_lock key of the harness's DDL ('stmp' in ASCII). */
    private static final long DDL_LOCK = 0x73746d70L;

    private final PostgresService postgres;

    StampedeDatabase(PostgresService postgres) {
        this.postgres = postgres;
    }

    /** Creates the counter table and functions if missing; (re)defines the functions. */
    void prepare() throws SQLException {
        try (Connection c = postgres.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("select pg_advisory_xact_lock(" + DDL_LOCK + ")");
                s.execute("create schema if not exists " + SCHEMA);
                s.execute("comment on schema " + SCHEMA + " is 'shardcache stampede harness: execution counters (kept between runs)'");
                s.execute("create table if not exists " + SCHEMA + ".executions ("
                    + " run_key text not null, at timestamptz not null default clock_timestamp())");
                s.execute("create index if not exists executions_run_key on " + SCHEMA + ".executions (run_key)");
                s.execute("""
                    create or replace function %1$s.touch(run_key text) returns int language plpgsql volatile as $$
                    begin
                      insert into %1$s.executions (run_key) values (touch.run_key);
                      return 1;
                    end $$""".formatted(SCHEMA));
                s.execute("""
                    create or replace function %1$s.sleep_and_touch(run_key text, ms int) returns int language plpgsql volatile as $$
                    begin
                      perform pg_sleep(ms / 1000.0);
                      perform %1$s.touch(run_key);
                      return ms;
                    end $$""".formatted(SCHEMA));
            }
            c.commit();
        }
    }

    /**
     * Loads pgbench's tables at scale 20 into {@value #PGBENCH} unless a previous run did. The load is
     * one transaction (schema, tables, rows, keys and a {@code load_info} row), so it is either
     * complete or absent; a schema of that name without {@code load_info} was not made by this
     * harness and is left alone with an error.
     */
    void ensurePgbench(PrintStream log) throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
            s.execute("select pg_advisory_lock(" + DDL_LOCK + ")");
            try {
                if (loaded(s)) {
                    log.println("# pgbench data: " + PGBENCH + " at scale " + PGBENCH_SCALE + " (loaded by an earlier run)");
                    return;
                }
                if (exists(s, "select 1 from pg_namespace where nspname = '" + PGBENCH + "'"))
                    throw new SQLException("schema " + PGBENCH + " exists but has no completed load (" + PGBENCH
                        + ".load_info with scale " + PGBENCH_SCALE + "); this harness did not make it, so it leaves it alone:"
                        + " drop it yourself if it is disposable");
                log.println("# pgbench data: loading " + PGBENCH + " at scale " + PGBENCH_SCALE + " ("
                    + PGBENCH_SCALE * ACCOUNTS_PER_BRANCH + " accounts), once; later runs reuse it");
                long start = System.nanoTime();
                c.setAutoCommit(false);
                s.execute("create schema " + PGBENCH);
                s.execute("comment on schema " + PGBENCH + " is 'shardcache stampede harness: pgbench tables at scale "
                    + PGBENCH_SCALE + " (kept between runs)'");
                // pgbench's own definitions (pgbench -i), filled the way its server-side generator does.
                s.execute("create table " + PGBENCH + ".pgbench_branches (bid int not null, bbalance int, filler char(88)) with (fillfactor=100)");
                s.execute("create table " + PGBENCH + ".pgbench_tellers (tid int not null, bid int, tbalance int, filler char(84)) with (fillfactor=100)");
                s.execute("create table " + PGBENCH + ".pgbench_accounts (aid int not null, bid int, abalance int, filler char(84)) with (fillfactor=100)");
                s.execute("create table " + PGBENCH + ".pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))");
                s.execute("insert into " + PGBENCH + ".pgbench_branches (bid, bbalance) select bid, 0 from generate_series(1, "
                    + PGBENCH_SCALE + ") bid");
                s.execute("insert into " + PGBENCH + ".pgbench_tellers (tid, bid, tbalance) select tid, (tid - 1) / 10 + 1, 0"
                    + " from generate_series(1, " + PGBENCH_SCALE * 10 + ") tid");
                s.execute("insert into " + PGBENCH + ".pgbench_accounts (aid, bid, abalance, filler)"
                    + " select aid, (aid - 1) / " + ACCOUNTS_PER_BRANCH + " + 1, 0, '' from generate_series(1, "
                    + PGBENCH_SCALE * ACCOUNTS_PER_BRANCH + ") aid");
                s.execute("alter table " + PGBENCH + ".pgbench_branches add primary key (bid)");
                s.execute("alter table " + PGBENCH + ".pgbench_tellers add primary key (tid)");
                s.execute("alter table " + PGBENCH + ".pgbench_accounts add primary key (aid)");
                s.execute("create table " + PGBENCH + ".load_info (scale int not null, accounts int not null,"
                    + " loaded_at timestamptz not null default now())");
                s.execute("insert into " + PGBENCH + ".load_info (scale, accounts) values ("
                    + PGBENCH_SCALE + ", " + PGBENCH_SCALE * ACCOUNTS_PER_BRANCH + ")");
                c.commit();
                c.setAutoCommit(true);
                s.execute("vacuum analyze " + PGBENCH + ".pgbench_branches, " + PGBENCH + ".pgbench_tellers, "
                    + PGBENCH + ".pgbench_accounts, " + PGBENCH + ".pgbench_history");
                log.printf("# pgbench data: loaded in %.1f s%n", (System.nanoTime() - start) / 1e9);
            } catch (SQLException | RuntimeException e) {
                if (!c.getAutoCommit())
                    c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
                s.execute("select pg_advisory_unlock(" + DDL_LOCK + ")");
            }
        }
    }

    private static boolean loaded(Statement s) throws SQLException {
        if (!exists(s, "select 1 from pg_tables where schemaname = '" + PGBENCH + "' and tablename = 'load_info'"))
            return false;
        return exists(s, "select 1 from " + PGBENCH + ".load_info where scale = " + PGBENCH_SCALE);
    }

    private static boolean exists(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next();
        }
    }

    /** How many times a query carrying {@code touch(counterKey)} really ran. */
    long executions(String counterKey) throws SQLException {
        try (Connection c = postgres.connect();
             PreparedStatement p = c.prepareStatement("select count(*) from " + SCHEMA + ".executions where run_key = ?")) {
            p.setString(1, counterKey);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Deletes the counter rows of one run: its own key and the keys derived from it ({@code <run>-...}). */
    void deleteRun(String run) throws SQLException {
        try (Connection c = postgres.connect();
             PreparedStatement p = c.prepareStatement("delete from " + SCHEMA + ".executions where run_key = ? or run_key like ?")) {
            p.setString(1, run);
            p.setString(2, run + "-%");
            p.executeUpdate();
        }
    }

    /** Connections a run may still open: max_connections less those in use and those reserved for superusers. */
    int connectionsAvailable() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select current_setting('max_connections')::int"
                 + " - current_setting('superuser_reserved_connections')::int"
                 + " - (select count(*) from pg_stat_activity where backend_type = 'client backend')")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    String version() throws SQLException {
        try (Connection c = postgres.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select current_setting('server_version')")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
