package io.shardcache.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Regions;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reads through the cache as Micrometer observations, on real PostgreSQL: names, outcomes, keys, and the
 * nesting a tracer turns into spans (the read under the caller's observation, the lock wait and the
 * regeneration under the read).
 */
@ExtendWith(ServicesExtension.class)
class ShardcacheObservationsIT {

    static final Table<Record> ITEMS = table(name("items"));
    static final Field<Integer> ID = field(name("id"), Integer.class);
    static final Field<String> NAME = field(name("name"), String.class);

    private HikariDataSource pool;
    private DSLContext dsl;
    private TestObservationRegistry registry;
    /** Every observation stopped, in the order they stopped. */
    private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp(TestSchema schema) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(schema.jdbcUrl());
        config.setUsername(schema.postgres().user());
        config.setPassword(schema.postgres().password());
        config.setMaximumPoolSize(2);
        pool = new HikariDataSource(config);
        dsl = DSL.using(pool, SQLDialect.POSTGRES);
        dsl.execute("create table items (id int primary key, name text not null)");
        dsl.execute("insert into items select g, 'item ' || g from generate_series(1, 10) g");
        registry = TestObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStop(Observation.Context context) {
                stopped.add(context);
            }
        });
    }

    @AfterEach
    void tearDown() {
        pool.close();
    }

    private static String low(Observation.Context c, String key) {
        KeyValue kv = c.getLowCardinalityKeyValue(key);
        return kv == null ? "<none>" : kv.getValue();
    }

    @Test
    void aMissIsAReadWithALockWaitAndARegenerationUnderIt_underTheCallersObservation_thenAHitIsAReadAlone() {
        try (CachingDSL cached = CachingDSL.builder(dsl, Regions.builder().region("items").build())
                 .tracer(new ShardcacheObservations(registry)).build()) {
            DSLContext items = cached.fromCache("items");
            Observation caller = Observation.start("caller", registry);
            try (Observation.Scope ignored = caller.openScope()) {
                assertThat(items.select(NAME).from(ITEMS).where(ID.eq(1)).fetchOne(NAME)).isEqualTo("item 1");
            }
            caller.stop();

            assertThat(stopped).extracting(Observation.Context::getName)
                .containsExactly("shardcache.lock.wait", "shardcache.regenerate", "shardcache.read", "caller");
            Observation.Context wait = stopped.get(0), regenerate = stopped.get(1), read = stopped.get(2);
            assertThat(read.getParentObservation()).as("the read under the caller's").isSameAs(caller);
            assertThat(wait.getParentObservation().getContextView()).as("the wait under the read").isSameAs(read);
            assertThat(regenerate.getParentObservation().getContextView()).as("the query under the read").isSameAs(read);
            assertThat(low(read, "shardcache.outcome")).isEqualTo("miss");
            assertThat(low(wait, "shardcache.outcome")).isEqualTo("acquired");
            assertThat(low(regenerate, "shardcache.outcome")).isEqualTo("ok");
            for (Observation.Context c : List.of(wait, regenerate, read)) {
                assertThat(low(c, "shardcache.region")).isEqualTo("items");
                assertThat(low(c, "db.system.name")).isEqualTo("postgresql");
                assertThat(c.getHighCardinalityKeyValue("shardcache.key").getValue())
                    .isEqualTo(cached.keyOf("items", DSL.select(NAME).from(ITEMS).where(ID.eq(1))).hash());
            }
            assertThat(read.getContextualName()).isEqualTo("shardcache read items");
            assertThat(read.getLowCardinalityKeyValue("db.namespace")).as("no database named: no key").isNull();

            stopped.clear();
            items.select(NAME).from(ITEMS).where(ID.eq(1)).fetchOne(NAME);
            assertThat(stopped).extracting(Observation.Context::getName).containsExactly("shardcache.read");
            assertThat(low(stopped.get(0), "shardcache.outcome")).isEqualTo("hit");
        }
    }

    @Test
    void aNamedDatabaseIsTheNamespaceOfEveryObservation() {
        try (CachingDSL cached = CachingDSL.builder(dsl, Regions.builder().region("items").build())
                 .tracer(new ShardcacheObservations(registry, "orders")).build()) {
            cached.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(2)).fetchOne(NAME);
            assertThat(stopped).extracting(c -> low(c, "db.namespace")).containsExactly("orders", "orders", "orders");
        }
    }

    @Test
    void aFailingQueryIsAnErrorOnTheRegenerationAndTheRead() {
        try (CachingDSL cached = CachingDSL.builder(dsl, Regions.builder().region("items").build())
                 .tracer(new ShardcacheObservations(registry)).build()) {
            DSLContext items = cached.fromCache("items");
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                    items.select(field("1 / (id - id)", Integer.class)).from(ITEMS).where(ID.eq(1)).fetch())
                .hasMessageContaining("division by zero");
            assertThat(stopped).extracting(Observation.Context::getName)
                .containsExactly("shardcache.lock.wait", "shardcache.regenerate", "shardcache.read");
            assertThat(stopped.get(1).getError()).hasMessageContaining("division by zero");
            assertThat(low(stopped.get(1), "shardcache.outcome")).isEqualTo("error");
            assertThat(stopped.get(2).getError()).isNotNull();
            assertThat(low(stopped.get(2), "shardcache.outcome")).as("the read's outcome before it failed").isEqualTo("miss");
        }
    }

    @Test
    void aNoopRegistryCostsNoObservation() {
        assertThat(new ShardcacheObservations(ObservationRegistry.NOOP).start("shardcache.read",
            new io.shardcache.query.CacheKey() {
                public String region() {
                    return "r";
                }

                public String scope() {
                    return "";
                }

                public String hash() {
                    return "0".repeat(40);
                }

                public String fingerprint() {
                    return "";
                }

                public String describe() {
                    return "";
                }
            })).isSameAs(io.shardcache.query.spi.ReadTracer.Span.NONE);
    }
}
