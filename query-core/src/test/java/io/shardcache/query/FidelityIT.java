package io.shardcache.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.param;
import static org.jooq.impl.DSL.table;

import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.query.fidelity.PgTypes;
import io.shardcache.query.fidelity.Snapshots;
import io.shardcache.query.internal.BrokenCodec;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.SQLDialect;
import org.jooq.XML;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The differential fidelity suite: for every PostgreSQL type in {@link PgTypes}, edge values and
 * generated ones are read live and through the cache (the miss that fills an entry, the hit after it,
 * another caching DSL reading the same backend's entry), as plain SQL, as every typed field the type
 * may be read as, and as a JDBC result set with every getter; each answer must equal the live one,
 * value, Java class and metadata. Run once per JVM time zone the build sets.
 */
@ExtendWith(ServicesExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FidelityIT {

    /** The seed of the generated values; a failure names it so the run can be repeated. */
    private static final long SEED = Long.getLong("shardcache.fidelity.seed", 20261206L);
    private static final int GENERATED = 12;

    private Db db;
    /** The same database, its results always in text format: the reference answers. */
    private HikariDataSource textPool;
    private DSLContext text;
    private CacheBackend backend;
    private CachingDSL cached;
    private CachingDSL other;
    /** Caching the default pool, whose driver switches a statement to binary transfer once it has described it. */
    private CachingDSL cachedBinary;
    private final Map<PgTypes.Case, String> tables = new LinkedHashMap<>();
    private final Map<PgTypes.Case, List<String>> literals = new LinkedHashMap<>();

    @BeforeAll
    void setUp(TestSchema schema) throws SQLException {
        db = new Db(schema, 4);
        db.execute(PgTypes.SETUP);
        // A user's generated code registers its enum type with jOOQ when the class loads.
        org.jooq.impl.SQLDataType.VARCHAR.asEnumDataType(PgTypes.Mood.class);
        SplittableRandom random = new SplittableRandom(SEED);
        int n = 0;
        for (PgTypes.Case c : PgTypes.ALL) {
            String table = "fid_" + n++;
            db.execute("create table " + table + " (id int primary key, v " + c.sqlType() + ")");
            List<String> values = new ArrayList<>(c.values(random, GENERATED));
            int id = 0;
            for (String literal : values) {
                try {
                    db.execute("insert into " + table + " values (" + ++id + ", " + literal + ")");
                } catch (SQLException e) {
                    throw new AssertionError(c + ": the literal " + literal + " was refused (seed " + SEED + "): " + e.getMessage(), e);
                }
            }
            db.execute("insert into " + table + " values (" + ++id + ", null)");
            values.add("null");
            tables.put(c, table);
            literals.put(c, values);
        }
        textPool = db.newPool(2, config -> config.addDataSourceProperty("preferQueryMode", "simple"));   // every result in text format
        text = DSL.using(textPool, SQLDialect.POSTGRES);
        backend = TestBackends.create(schema.name(), InstantSource.system());
        cached = CachingDSL.wrap(text, Regions.builder().region("r").build(), backend);
        other = CachingDSL.wrap(text, Regions.builder().region("r").build(), backend);
        cachedBinary = CachingDSL.wrap(db.dsl, Regions.builder().region("b").build(), backend);
    }

    @AfterAll
    void tearDown() {
        cachedBinary.close();
        other.close();
        cached.close();
        backend.close();
        textPool.close();
        db.close();
    }

    Stream<PgTypes.Case> cases() {
        return PgTypes.ALL.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyPathAnswersAsTheLiveRead(PgTypes.Case c) throws SQLException {
        String table = tables.get(c);
        List<String> differences = new ArrayList<>();
        String all = "select id, v from " + table + " order by id";
        compare(differences, "plain SQL " + all, true, d -> Snapshots.of(d.fetch(all)));
        compare(differences, "result set " + all, false, d -> resultSet(d.resultQuery(all)));
        for (DataType<?> type : c.typed()) {
            compare(differences, "typed " + type.getType().getSimpleName() + " " + all, true,
                d -> Snapshots.of(d.select(field(name("v"), type)).from(table(name(table))).orderBy(field(name("id"))).fetch()));
        }
        List<String> values = literals.get(c);
        for (DataType<?> type : c.typed())
            comparePrepared(differences, table, type, values.size());
        compareBatch(differences, table, values.size());
        for (int id = 1; id <= values.size(); id++) {
            int row = id;
            String one = "select v from " + table + " where id = ?";
            compare(differences, "one value " + values.get(id - 1) + ": " + one, true, d -> Snapshots.of(d.fetch(one, row)));
            compare(differences, "one value's result set " + values.get(id - 1), false, d -> resultSet(d.resultQuery(one, row)));
        }
        assertThat(differences).as("%s: reads whose cached answer differs from the live one (seed %d)", c, SEED).isEmpty();
    }

    private static final Field<Integer> ID = field(name("id"), SQLDataType.INTEGER);

    /**
     * A prepared read of each row, on its miss and its hit, answers as the same typed query run live;
     * or, for a type whose reads are never cached, {@code prepare} refuses it.
     */
    private void comparePrepared(List<String> differences, String table, DataType<?> type, int rows) {
        Field<?> v = field(name("v"), type);
        boolean neverCached = type.isArray() || type.getType() == XML.class;
        CachedQuery<?> prepared;
        try {
            prepared = cached.prepare("r", text.select(v).from(table(name(table))).where(ID.eq(param("id", Integer.class))));
        } catch (IllegalArgumentException refused) {
            if (!neverCached)
                differences.add("prepare refused a " + type + " field: " + refused.getMessage());
            return;
        }
        if (neverCached)
            differences.add("prepare accepted a " + type + " field, whose reads are never cached");
        for (int id = 1; id <= rows; id++) {
            int row = id;
            List<String> live = attempt(d -> Snapshots.of(d.select(v).from(table(name(table))).where(ID.eq(row)).fetch()), text);
            for (String path : List.of("prepared miss", "prepared hit")) {
                List<String> got = attempt(d -> Snapshots.of(prepared.fetch(row)), text);
                if (!got.equals(live))
                    differences.add(path + " of " + type.getType().getSimpleName() + " row " + row + Snapshots.firstDifference(live, got));
            }
        }
    }

    /** Every row's read at once through a query pool (one batch lookup), as misses and then as hits. */
    private void compareBatch(List<String> differences, String table, int rows) {
        String one = "select id, v from " + table + " where id = ? and 'batch' = 'batch'";
        QueryPool pool = QueryPool.of(4);
        for (String path : List.of("batch of misses", "batch of hits")) {
            List<ResultQuery<Record>> queries = new ArrayList<>();
            for (int id = 1; id <= rows; id++)
                queries.add(cached.fromCache("r").resultQuery(one, id));
            List<QueryPool.Outcome<Record>> outcomes = pool.fetchAll(queries);
            for (int id = 1; id <= rows; id++) {
                int row = id;
                List<String> live = attempt(d -> Snapshots.of(d.fetch(one, row)), text);
                QueryPool.Outcome<Record> o = outcomes.get(id - 1);
                List<String> got = o.failed() && o.failure() instanceof RuntimeException e ? threw(e) : attempt(d -> Snapshots.of(o.result()), text);
                if (!got.equals(live))
                    differences.add(path + ", row " + row + Snapshots.firstDifference(live, got));
            }
        }
    }

    /**
     * The suite fails when a cache does not keep values: with a codec that changes the last digit of
     * each cell, reads of numbers, times and dates all differ from the live ones on the hit.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"integer", "numeric(12,4)", "timestamptz", "date", "double precision"})
    void aCodecThatChangesValuesIsCaught(String sqlType) {
        PgTypes.Case c = PgTypes.ALL.stream().filter(x -> x.sqlType().equals(sqlType)).findFirst().orElseThrow();
        // Finite values only (each ends in a digit, so each is changed): jOOQ cannot read some others at all.
        String all = "select id, v from " + tables.get(c) + " where v::text ~ '[0-9]$' order by id";
        try (CacheBackend broken = new BrokenCodec(TestBackends.create("broken_" + tables.get(c), InstantSource.system()), cell -> {
                 char last = cell.isEmpty() ? ' ' : cell.charAt(cell.length() - 1);
                 return Character.isDigit(last) ? cell.substring(0, cell.length() - 1) + (char) ('0' + (last - '0' + 1) % 10) : cell;
             });
             CachingDSL cache = CachingDSL.wrap(text, Regions.builder().region("r").build(), broken)) {
            List<String> live = attempt(d -> Snapshots.of(d.fetch(all)), text);
            assertThat(attempt(d -> Snapshots.of(d.fetch(all)), cache.fromCache("r"))).as("the miss returns the rows it read").isEqualTo(live);
            assertThat(attempt(d -> Snapshots.of(d.fetch(all)), cache.fromCache("r"))).as("the hit decodes what the broken codec stored")
                .isNotEqualTo(live);
            assertThat(cache.stats("r").hits()).isEqualTo(1);
        }
    }

    private static List<String> resultSet(ResultQuery<Record> q) {
        try (ResultSet rs = q.fetchResultSet()) {
            return Snapshots.of(rs);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The read live, then through the cache: the miss, the hit, and another caching DSL's hit, each equal
     * to the live read in text format. A read the cache passes through (counted as skipped) is a live
     * read on the caching DSL's own pool, so it is compared with the same.
     *
     * <p>With {@code binaryToo}, also through a caching DSL on a pool whose driver has switched the
     * statement to binary transfer: what the cache stores is still what PostgreSQL printed, so its
     * answers stay those of the text format. (Some of the driver's own getters answer otherwise in
     * binary transfer, such as getString of a real or a point; that is the driver's difference, not
     * the cache's, and reads the cache passes through are not compared here.)
     */
    private void compare(List<String> differences, String what, boolean binaryToo, Function<DSLContext, List<String>> read) {
        List<String> live = attempt(read, text);
        Map<String, DSLContext> paths = new LinkedHashMap<>();
        paths.put("miss", cached.fromCache("r"));
        paths.put("hit", cached.fromCache("r"));
        paths.put("another DSL's hit", other.fromCache("r"));
        for (var path : paths.entrySet()) {
            List<String> got = attempt(read, path.getValue());
            if (!got.equals(live))
                differences.add(path.getKey() + " of " + what + Snapshots.firstDifference(live, got));
        }
        if (!binaryToo)
            return;
        for (int i = 0; i < 6; i++)   // past the driver's prepareThreshold: the statement is described, results binary
            attempt(read, db.dsl);
        for (String path : List.of("miss on a binary-transfer pool", "hit on a binary-transfer pool")) {
            long skipped = cachedBinary.stats("b").skippedUnsupported();
            List<String> got = attempt(read, cachedBinary.fromCache("b"));
            if (cachedBinary.stats("b").skippedUnsupported() == skipped && !got.equals(live))
                differences.add(path + " of " + what + Snapshots.firstDifference(live, got));
        }
    }

    private static List<String> attempt(Function<DSLContext, List<String>> read, DSLContext d) {
        try {
            return read.apply(d);
        } catch (RuntimeException e) {
            return threw(e);
        }
    }

    /** jOOQ's message names the SQL it ran (a cached read's statement has none to tell): the rest is compared. */
    private static List<String> threw(RuntimeException e) {
        return List.of("threw " + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replaceFirst("^SQL \\[[^]]*\\]; ", ""));
    }
}
