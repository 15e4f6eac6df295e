package io.shardcache.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sessions that answer the same SQL differently never share an entry, and a session changed under a
 * caching DSL is never served what another session cached: the time zone, the search path, and a
 * {@code SET} in the middle of a session, on a pooled connection and on a caller's single connection.
 */
@ExtendWith(ServicesExtension.class)
class SessionInputsIT {

    /** Its text depends on the session's time zone only. */
    private static final String ZONED = "select timestamptz '2024-01-01 00:00:00+00'::text";

    private TestSchema schema;
    private CacheBackend backend;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void setUp(TestSchema schema) throws SQLException {
        this.schema = schema;
        backend = TestBackends.create(schema.name(), InstantSource.system());
        try (Connection c = schema.connect(); Statement s = c.createStatement()) {
            s.execute("create schema " + schema.name() + "_a; create schema " + schema.name() + "_b;"
                + "create table " + schema.name() + "_a.t (v text); insert into " + schema.name() + "_a.t values ('in a');"
                + "create table " + schema.name() + "_b.t (v text); insert into " + schema.name() + "_b.t values ('in b');");
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing.reversed())
            c.close();
        backend.close();
        try (Connection c = schema.connect(); Statement s = c.createStatement()) {
            s.execute("drop schema " + schema.name() + "_a cascade; drop schema " + schema.name() + "_b cascade");
        }
    }

    private DSLContext pool(String initSql, int size) {
        HikariDataSource ds = Db.newPool(schema, size, config -> config.setConnectionInitSql(initSql));
        closing.add(ds);
        return DSL.using(ds, SQLDialect.POSTGRES);
    }

    private CachingDSL cache(DSLContext dsl) {
        CachingDSL c = CachingDSL.wrap(dsl, Regions.builder().region("r").build(), backend);
        closing.add(c);
        return c;
    }

    private static String value(DSLContext dsl, String sql) {
        return dsl.fetchValue(sql).toString();
    }

    @Test
    void sessionsInOtherTimeZonesNeverShareAnEntry() {
        DSLContext utc = pool("set time zone 'UTC'", 2), stJohns = pool("set time zone 'America/St_Johns'", 2);
        CachingDSL a = cache(utc), b = cache(stJohns);
        for (int round = 0; round < 2; round++) {
            assertThat(value(a.fromCache("r"), ZONED)).isEqualTo(value(utc, ZONED)).isEqualTo("2024-01-01 00:00:00+00");
            assertThat(value(b.fromCache("r"), ZONED)).isEqualTo(value(stJohns, ZONED)).isEqualTo("2023-12-31 20:30:00-03:30");
        }
        assertThat(a.stats("r").stored() + b.stats("r").stored()).as("one entry per session").isEqualTo(2);
        assertThat(a.stats("r").hits() + b.stats("r").hits()).isEqualTo(2);
    }

    @Test
    void unqualifiedNamesAreReadThroughEachSessionsSearchPath() {
        DSLContext inA = pool("set search_path = " + schema.name() + "_a", 2), inB = pool("set search_path = " + schema.name() + "_b", 2);
        CachingDSL a = cache(inA), b = cache(inB);
        for (int round = 0; round < 2; round++) {
            assertThat(value(a.fromCache("r"), "select v from t")).isEqualTo("in a");
            assertThat(value(b.fromCache("r"), "select v from t")).isEqualTo("in b");
        }
        assertThat(a.keyOf("r", inA.resultQuery("select v from t"))).isNotEqualTo(b.keyOf("r", inB.resultQuery("select v from t")));
    }

    @Test
    void aSetThroughTheCachingDslOnASingleConnectionPassesThroughUntilTheSessionIsBack() throws SQLException {
        try (Connection own = schema.connect()) {
            own.createStatement().execute("set time zone 'UTC'");
            DSLContext single = DSL.using(own, SQLDialect.POSTGRES);
            CachingDSL cached = cache(single);
            assertThat(value(cached.fromCache("r"), ZONED)).isEqualTo("2024-01-01 00:00:00+00");
            assertThat(value(cached.fromCache("r"), ZONED)).isEqualTo("2024-01-01 00:00:00+00");
            assertThat(cached.stats("r").hits()).isEqualTo(1);

            cached.dsl().execute("set time zone 'Asia/Kolkata'");
            assertThat(value(cached.fromCache("r"), ZONED)).as("the live answer of the changed session")
                .isEqualTo("2024-01-01 05:30:00+05:30");
            assertThat(cached.stats("r").skippedSession()).isEqualTo(1);
            assertThat(cached.stats("r").hits()).as("the entry of the other session is not served").isEqualTo(1);

            cached.dsl().execute("set search_path = " + schema.name() + "_a");   // a setting the server does not report
            cached.dsl().execute("set time zone 'UTC'");
            assertThat(value(cached.fromCache("r"), "select v from t")).isEqualTo("in a");
            assertThat(cached.stats("r").skippedSession()).isEqualTo(2);

            cached.dsl().execute("reset search_path");
            assertThat(value(cached.fromCache("r"), ZONED)).isEqualTo("2024-01-01 00:00:00+00");
            assertThat(cached.stats("r").hits()).as("the session is the keys' one again").isEqualTo(2);
            assertThat(cached.stats("r").outdatedEntries()).as("a SET writes no table").isZero();
        }
    }

    @Test
    void aPooledSessionChangedOutsideShardcacheIsNeverCachedFrom() throws SQLException {
        DSLContext dsl = pool("set time zone 'UTC'", 1);
        CachingDSL cached = cache(dsl);
        assertThat(value(cached.fromCache("r"), "select 1")).isEqualTo("1");   // the keys' session: UTC
        dsl.connection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("set time zone 'Asia/Kolkata'");   // on the raw connection, returned to the pool changed
            }
        });
        assertThat(value(cached.fromCache("r"), ZONED)).as("the live answer of the connection it ran on")
            .isEqualTo("2024-01-01 05:30:00+05:30");
        assertThat(cached.stats("r").skippedSession()).isEqualTo(1);
        assertThat(cached.stats("r").stored()).as("nothing stored from the changed session").isEqualTo(1);
    }
}
