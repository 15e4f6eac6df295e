package io.shardcache.query;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * A test's database: a HikariCP pool on the test's own schema, with a function that counts how
 * often PostgreSQL really executed a query. {@code touch('k')} increments {@code calls.n} for key
 * {@code k} and returns 1; putting it in a select list makes every execution of that select count.
 * Public for cache-redis, which runs its own integration tests on it through query-core's test jar.
 */
public final class Db implements AutoCloseable {

    public final TestSchema schema;
    public final HikariDataSource pool;
    public final DSLContext dsl;

    public Db(TestSchema schema, int poolSize) throws SQLException {
        this.schema = schema;
        this.pool = newPool(true, poolSize);
        this.dsl = DSL.using(pool, SQLDialect.POSTGRES);
        execute("""
            create table calls (k text primary key, n int not null);
            create function touch(key text) returns int language plpgsql volatile as $$
            begin
              insert into calls values (key, 1) on conflict (k) do update set n = calls.n + 1;
              return 1;
            end $$;
            create function touch_slow(key text, secs float8) returns int language plpgsql volatile as $$
            begin
              perform pg_sleep(secs);
              return touch(key);
            end $$;
            -- blocks while someone holds advisory lock `gate` exclusively: lets a test hold a regeneration mid-flight
            create function touch_gated(key text, gate bigint) returns int language plpgsql volatile as $$
            begin
              perform pg_advisory_lock_shared(gate);
              perform pg_advisory_unlock_shared(gate);
              return touch(key);
            end $$;
            create function touch_fail(key text) returns int language plpgsql volatile as $$
            begin
              perform touch(key);
              raise exception 'loader failure for %', key using errcode = '22012';
            end $$;
            create table items (id int primary key, name text not null, price numeric(10,2));
            insert into items select g, 'item ' || g, g * 1.25 from generate_series(1, 100) g;
            """);
    }

    /** Another pool on this test's schema, for tests that need other pool settings; the caller closes it. */
    public HikariDataSource newPool(boolean autoCommit, int size) {
        return newPool(size, config -> {
            config.setAutoCommit(autoCommit);
            config.setPoolName("test-" + schema.name() + (autoCommit ? "" : "-manual-commit"));
        });
    }

    /** Another pool on this test's schema, set up further by {@code customize}; the caller closes it. */
    public HikariDataSource newPool(int size, java.util.function.Consumer<HikariConfig> customize) {
        return newPool(schema, size, customize);
    }

    /** A pool on {@code schema}, set up further by {@code customize}; the caller closes it. */
    public static HikariDataSource newPool(TestSchema schema, int size, java.util.function.Consumer<HikariConfig> customize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(schema.jdbcUrl());
        config.setUsername(schema.postgres().user());
        if (schema.postgres().password() != null)
            config.setPassword(schema.postgres().password());
        config.setMaximumPoolSize(size);
        customize.accept(config);
        return new HikariDataSource(config);
    }

    /**
     * A select-list field that counts executions under {@code key}: an uncorrelated scalar subquery,
     * so PostgreSQL evaluates it once per execution that produces a row, however many rows.
     */
    public static Field<Integer> touch(String key) {
        return DSL.field("(select touch({0}))", Integer.class, DSL.val(key));
    }

    public static Field<Integer> touchSlow(String key, double seconds) {
        return DSL.field("(select touch_slow({0}, {1}))", Integer.class, DSL.val(key), DSL.val(seconds));
    }

    public static Field<Integer> touchGated(String key, long gate) {
        return DSL.field("(select touch_gated({0}, {1}))", Integer.class, DSL.val(key), DSL.val(gate));
    }

    public static Field<Integer> touchFail(String key) {
        return DSL.field("(select touch_fail({0}))", Integer.class, DSL.val(key));
    }

    /** How many times PostgreSQL executed a query carrying {@code touch(key)}. */
    public int executions(String key) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             var rs = s.executeQuery("select coalesce((select n from calls where k = '" + key.replace("'", "''") + "'), 0)")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Waits (at most 30 s) until {@code n} statements are held at {@code gate}: they run
     * {@link #touchGated} while a session of the test holds {@code pg_advisory_lock(gate)}.
     */
    public void awaitBlockedOn(long gate, int n) throws Exception {
        Eventually.await(n + " statement(s) held at advisory lock " + gate, Duration.ofSeconds(30), () -> blockedOn(gate),
            blocked -> blocked >= n);
    }

    private int blockedOn(long gate) throws SQLException {
        // A bigint key shows as its high half in classid, its low half in objid, and objsubid 1.
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             var rs = s.executeQuery("select count(*) from pg_locks where locktype = 'advisory' and not granted and objsubid = 1"
                 + " and classid = '" + (gate >>> 32) + "'::oid and objid = '" + (gate & 0xffff_ffffL) + "'::oid")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
