package io.shardcache.redis;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * A test's database: a HikariCP pool on the test's own schema, an {@code items} table, and a
 * function that counts how often PostgreSQL really executed a query: {@code touch('k')}
 * increments {@code calls.n} for key {@code k} and returns 1, so a select carrying it counts its
 * executions (as query-core's engine tests do).
 */
final class Db implements AutoCloseable {

    static final Table<Record> ITEMS = table(name("items"));
    static final Field<Integer> ID = field(name("items", "id"), SQLDataType.INTEGER.notNull());
    static final Field<String> NAME = field(name("items", "name"), SQLDataType.CLOB.notNull());

    final HikariDataSource pool;
    final DSLContext dsl;

    Db(TestSchema schema, int poolSize) throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(schema.jdbcUrl());
        config.setUsername(schema.postgres().user());
        if (!schema.postgres().password().isEmpty())
            config.setPassword(schema.postgres().password());
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("redis-it-" + schema.name());
        this.pool = new HikariDataSource(config);
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
            create table items (id int primary key, name text not null);
            insert into items select g, 'item ' || g from generate_series(1, 100) g;
            """);
    }

    /** A select-list field that counts executions under {@code key} (an uncorrelated scalar subquery: once per execution). */
    static Field<Integer> touch(String key) {
        return DSL.field("(select touch({0}))", Integer.class, DSL.val(key));
    }

    /** Like {@link #touch}, after sleeping {@code seconds} inside PostgreSQL: keeps a regeneration in flight. */
    static Field<Integer> touchSlow(String key, double seconds) {
        return DSL.field("(select touch_slow({0}, {1}))", Integer.class, DSL.val(key), DSL.val(seconds));
    }

    /** How many times PostgreSQL executed a query carrying {@code touch(key)}. */
    int executions(String key) throws SQLException {
        try (Connection c = pool.getConnection();
             var s = c.prepareStatement("select coalesce((select n from calls where k = ?), 0)")) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    void execute(String sql) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
