package io.shardcache.query;

import static io.shardcache.query.AllTypes.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.Cursor;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record2;
import org.jooq.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every jOOQ fetch variant and every column type of the test schema returns the same values, of the
 * same Java classes, from the cache (on the miss that fills it and on the hit after) as uncached.
 */
@ExtendWith(ServicesExtension.class)
class FetchVariantsIT {

    private Db db;
    private io.shardcache.query.spi.CacheBackend backend;
    private CachingDSL cached;
    private DSLContext live;
    private DSLContext fromCache;

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 4);
        AllTypes.create(db);
        backend = TestBackends.create(schema.name(), java.time.InstantSource.system());
        cached = CachingDSL.wrap(db.dsl, Regions.builder().region("r").build(), backend);
        live = db.dsl;
        fromCache = cached.fromCache("r");
    }

    @AfterEach
    void tearDown() {
        cached.close();
        backend.close();
        db.close();
    }

    /** The cached answer equals the live one on the miss that fills the entry and on the hit after it. */
    private <T> void sameAsLive(Function<DSLContext, T> query) {
        long storedBefore = cached.stats("r").stored();
        long hitsBefore = cached.stats("r").hits();
        T expected = query.apply(live);
        T miss = query.apply(fromCache);
        T hit = query.apply(fromCache);
        assertSame(expected, miss);
        assertSame(expected, hit);
        assertThat(cached.stats("r").stored()).as("the first cached call stored an entry").isEqualTo(storedBefore + 1);
        assertThat(cached.stats("r").hits()).as("the second cached call was a hit").isEqualTo(hitsBefore + 1);
    }

    private static void assertSame(Object expected, Object actual) {
        assertThat(AllTypes.normalize(actual)).isEqualTo(AllTypes.normalize(expected));
    }

    @Test
    void fetchOfEveryTypeIncludingNulls() {
        sameAsLive(d -> d.select(ALL).from(T).orderBy(ID).fetch());
    }

    @Test
    void eachColumnTypeAlone() {
        for (Field<?> f : ALL)
            sameAsLive(d -> d.select(f).from(T).orderBy(ID).fetch());
    }

    @Test
    void plainSqlInfersTheSameTypes() {
        // The enum too: its registered EnumType is found by the type name in the result's metadata, live and cached.
        sameAsLive(d -> d.fetch("select id, c_smallint, c_int, c_bigint, c_numeric, c_real, c_double, c_text, c_varchar, "
            + "c_char, c_bool, c_date, c_time, c_ts, c_tstz, c_uuid, c_bytea, c_json, c_jsonb, c_mood "
            + "from all_types order by id"));
        sameAsLive(d -> d.resultQuery("select c_int, c_text from all_types where id = ?", 1).fetch());
    }

    @Test
    void readsOfArrayColumnsPassThroughUncachedAndAnswerLive() {
        for (Field<?> array : ARRAYS) {
            long skipped = cached.stats("r").skippedUnsupported();
            long lookups = cached.stats("r").misses() + cached.stats("r").hits();
            for (int i = 0; i < 3; i++)
                assertSame(live.select(ID, array).from(T).orderBy(ID).fetch(), fromCache.select(ID, array).from(T).orderBy(ID).fetch());
            assertThat(cached.stats("r").skippedUnsupported()).as("each read of %s passed through", array).isEqualTo(skipped + 3);
            assertThat(cached.stats("r").misses() + cached.stats("r").hits())
                .as("after the first, the SQL is known to pass through: no lookup").isEqualTo(lookups + 1);
        }
        assertThat(cached.stats("r").stored()).isZero();
    }

    @Test
    void fetchOneSingleOptionalAndValue() {
        sameAsLive(d -> d.select(ALL).from(T).where(ID.eq(1)).fetchOne());
        sameAsLive(d -> d.select(ALL).from(T).where(ID.eq(2)).fetchSingle());
        sameAsLive(d -> d.select(ALL).from(T).where(ID.eq(3)).fetchOptional());
        sameAsLive(d -> d.fetchValue(d.select(C_TEXT).from(T).where(ID.eq(1))));
        sameAsLive(d -> d.fetchValue("select c_bigint - 1 from all_types where id = ?", 1));
        sameAsLive(d -> d.fetchValue(d.select(C_TSTZ).from(T).where(ID.eq(1))));
        sameAsLive(d -> d.select(ALL).from(T).where(ID.eq(42)).fetchOptional());
    }

    @Test
    void fetchIntoClassesRecordsAndTypedRecords() {
        record Row(Integer id, String cText, BigDecimal cNumeric, OffsetDateTime cTstz, byte[] cBytea, Mood cMood) {
        }
        sameAsLive(d -> d.select(ID, C_TEXT, C_NUMERIC, C_TSTZ, C_BYTEA, C_MOOD).from(T).orderBy(ID).fetchInto(Row.class)
            .stream().map(r -> Arrays.asList(r.id(), r.cText(), r.cNumeric(), r.cTstz(), r.cBytea(), r.cMood())).toList());
        sameAsLive(d -> d.select(ID, C_TEXT).from(T).orderBy(ID).fetch().into(d.newRecord(ID, C_TEXT).getClass())
            .stream().map(Record::intoList).toList());
        sameAsLive(d -> {
            Result<Record2<Integer, Mood>> r = d.select(ID, C_MOOD).from(T).orderBy(ID).fetch();
            return r.stream().map(x -> Arrays.asList(x.value1(), x.value2(), x.component2())).toList();
        });
        sameAsLive(d -> d.select(ALL).from(T).orderBy(ID).fetch().intoMaps());
    }

    @Test
    void fetchMapGroupsStreamAndLazy() {
        sameAsLive(d -> d.select(ID, C_TEXT).from(T).fetchMap(ID, C_TEXT));
        sameAsLive(d -> d.select(C_BOOL, ID).from(T).orderBy(ID).fetchGroups(C_BOOL, ID));
        sameAsLive(d -> {
            try (var s = d.select(ID, C_JSONB).from(T).orderBy(ID).fetchStream()) {
                return s.map(r -> Arrays.asList(r.value1(), r.value2())).toList();
            }
        });
        sameAsLive(d -> {
            List<Object> rows = new ArrayList<>();
            try (Cursor<Record2<Integer, byte[]>> c = d.select(ID, C_BYTEA).from(T).orderBy(ID).fetchLazy()) {
                for (Record2<Integer, byte[]> r : c)
                    rows.add(Arrays.asList(r.value1(), r.value2()));
            }
            return rows;
        });
        sameAsLive(d -> d.select(ALL).from(T).orderBy(ID).limit(2).offset(1).fetch());
    }

    @Test
    void aKeptQueryRebindsOnEveryExecution() {
        try (var kept = fromCache.select(ID, C_TEXT).from(T).where(ID.eq(org.jooq.impl.DSL.param("id", 1))).keepStatement(true)) {
            for (int round = 0; round < 2; round++)
                for (int id = 1; id <= 3; id++)
                    assertSame(live.select(ID, C_TEXT).from(T).where(ID.eq(id)).fetchOne(), kept.bind("id", id).fetchOne());
        }
        assertThat(cached.stats("r").misses()).as("one miss per id").isEqualTo(3);
        assertThat(cached.stats("r").hits()).as("the second round is served from cache").isEqualTo(3);
    }

    @Test
    void bindValuesOfEveryTypeKeyDistinctEntries() {
        sameAsLive(d -> d.select(ID).from(T).where(C_UUID.eq(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_TSTZ.eq(OffsetDateTime.parse("2024-06-01T12:34:56.789+05:30"))).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_NUMERIC.eq(new BigDecimal("-0.0001"))).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_MOOD.eq(Mood.happy)).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_INT_ARR.eq(new Integer[] {1, null, 3})).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_TEXT.isNull()).fetch());
        sameAsLive(d -> d.select(ID).from(T).where(C_DATE.eq(LocalDate.of(2024, 2, 29))).fetch());
        // The same SQL with another bind value must be another entry.
        assertThat(fromCache.select(ID).from(T).where(C_BOOL.eq(true)).fetchOne(ID)).isEqualTo(1);
        assertThat(fromCache.select(ID).from(T).where(C_BOOL.eq(false)).fetchOne(ID)).isEqualTo(2);
    }
}
