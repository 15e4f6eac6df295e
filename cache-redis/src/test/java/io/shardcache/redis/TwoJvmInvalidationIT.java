package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.function;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;
import static org.jooq.impl.DSL.val;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.CountingBackend;
import io.shardcache.query.Db;
import io.shardcache.query.Region;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record2;
import org.jooq.ResultQuery;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Invalidation by table generations across real processes: JVM A ({@link InvalidationChild}, its own
 * Redis clients, pool and engine) writes through its caching DSL's {@code dsl()}; JVM B (this one)
 * reads through its own caching DSL on the same Redis and PostgreSQL. What B must never do is serve
 * rows older than a write whose commit A has returned from; the near cache may lag by the delay of
 * one pub/sub message, and never past its {@code maxAge}.
 *
 * <p>Writes alternate between two shapes, because each exercises a different bump: an auto-commit
 * update (B's entry was computed before the write: the bump <em>before</em> the statement must
 * make it a miss), and a transaction during which B reads and caches the still committed old row
 * (B's entry is computed after the first bump: only the bump <em>after</em> the commit can make it
 * a miss).
 *
 * <p>Database executions are counted with {@code touch(key)} called as a model function (so that
 * jOOQ's model shows the tables a read depends on). Cross-process times compare
 * {@link System#nanoTime()} of two JVMs on one machine: on Linux both read {@code CLOCK_MONOTONIC},
 * which is system-wide; each measurement checks that A's commit time precedes B's receipt of it.
 */
@ExtendWith(ServicesExtension.class)
class TwoJvmInvalidationIT {

    /** Write-then-read rounds of the first two tests. */
    private static final int ITERATIONS = 1_000;
    /** The documented hard bound of a near cache copy (see {@code Region.Builder#nearCache}). */
    static final Duration NEAR_MAX_AGE = Duration.ofSeconds(2);
    /** A's lock lease in region {@code gated}: short, so that it runs out while A's query is held at the gate. */
    private static final Duration GATED_LEASE = Duration.ofSeconds(1);
    /** A CPU-starved Lettuce thread on this 2-core machine must not pass for a Redis outage (see MultiJvmStampedeIT). */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    /** The bound of the near-cache test's 1,000 iterations (about 8 s here). */
    private static final Duration LOOP_BUDGET = Duration.ofSeconds(60);
    /** The longest any single reply from A may take; a bound, not a pause. */
    private static final Duration REPLY = Duration.ofSeconds(30);

    static final Table<Record> STEADY = table(name("steady"));
    static final Field<Integer> STEADY_ID = field(name("steady", "id"), SQLDataType.INTEGER.notNull());
    static final Field<String> STEADY_V = field(name("steady", "v"), SQLDataType.CLOB.notNull());
    private static final String STEADY_VALUE = "never written";
    /** A's warm-up writes go here, to a table no test reads. */
    static final Table<Record> SCRATCH = table(name("scratch"));
    static final Field<Integer> SCRATCH_V = field(name("scratch", "v"), SQLDataType.INTEGER);

    private RedisService redis;
    private TestSchema schema;
    private String prefix;
    private Db db;
    private RawRedis raw;
    private RedisCacheBackend redisB;
    private CachingDSL b;
    private ChildJvm a;
    /** Application name of A's connections: short and random (PostgreSQL cuts application names at 63 bytes). */
    private String appA;
    private final Set<String> lockedByB = ConcurrentHashMap.newKeySet();

    /**
     * The regions both JVMs use; only A's lease in {@code gated} differs from the default. The churn bypass is
     * off: these tests write as fast as they read, to check the entries the cache must refuse, and a bypass would
     * send those reads to the database instead.
     */
    static Regions regions(Duration gatedLease) {
        return Regions.builder()
            .region("items", r -> r.churnBypass(false))
            .region("near", r -> r.nearCache(1_000, NEAR_MAX_AGE).churnBypass(false))
            .region("gated", r -> r.lockLease(gatedLease).churnBypass(false))
            .build();
    }

    static String nameOf(DSLContext d, int id, String countKey) {
        return d.select(NAME, function("touch", SQLDataType.INTEGER, val(countKey))).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
    }

    private static String steadyOf(DSLContext d, String countKey) {
        return d.select(STEADY_V, function("touch", SQLDataType.INTEGER, val(countKey))).from(STEADY).where(STEADY_ID.eq(1)).fetchOne(STEADY_V);
    }

    /**
     * Item 7, through a function that blocks at advisory lock {@code gate} (while someone holds it
     * exclusively) only in sessions named {@code app}: A's regeneration waits there, B's runs through,
     * and both run the same SQL with the same binds, so they share one cache key.
     */
    static ResultQuery<Record2<String, Integer>> gatedRead(DSLContext d, String countKey, long gate, String app) {
        return d.select(NAME, function("touch_gated_for", SQLDataType.INTEGER, val(countKey), val(gate), val(app)))
            .from(ITEMS).where(ID.eq(7));
    }

    @BeforeEach
    void setUp(RedisService redis, TestSchema schema, TestInfo test) throws Exception {
        this.redis = redis;
        this.schema = schema;
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.db = new Db(schema, 4);
        this.raw = new RawRedis(redis);
        db.execute("""
            create table steady (id int primary key, v text not null);
            insert into steady values (1, '%s');
            create table scratch (v int);
            insert into scratch values (0);
            create function touch_gated_for(key text, gate bigint, app text) returns int language plpgsql volatile as $$
            begin
              if current_setting('application_name') = app then
                perform pg_advisory_lock_shared(gate);
                perform pg_advisory_unlock_shared(gate);
              end if;
              return touch(key);
            end $$;
            """.formatted(STEADY_VALUE));
        redisB = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).commandTimeout(COMMAND_TIMEOUT).build();
        b = CachingDSL.builder(db.dsl, regions(Region.DEFAULT_LOCK_LEASE)).backend(new CountingBackend(redisB, lockedByB::add)).build();
        appA = "inv-a-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        a = ChildJvm.start("A", InvalidationChild.class,
            List.of("name=" + appA, "leaseMs=" + GATED_LEASE.toMillis(), "commandTimeoutMs=" + COMMAND_TIMEOUT.toMillis()),
            ChildSide.environment(schema, redis, prefix));
        a.await("READY", Duration.ofSeconds(90));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (a != null)
                a.close();
        } finally {
            if (b != null)
                b.close();
            if (redisB != null)
                redisB.close();
            db.close();
            raw.deleteAll(prefix);
            raw.close();
        }
    }

    @Test
    void aCommittedWriteIsNeverFollowedByAStaleReadFromRedis() throws Exception {
        DSLContext items = b.fromCache("items");
        assertThat(nameOf(items, 1, "b")).isEqualTo("item 1");
        assertThat(steadyOf(items, "b-steady")).isEqualTo(STEADY_VALUE);
        RegionStats before = b.stats("items");

        int stale = 0;
        int uncommittedServed = 0;
        int wrongSteady = 0;
        List<String> samples = new ArrayList<>();
        String previous = "item 1";
        for (int i = 1; i <= ITERATIONS; i++) {
            String expected = "v" + i;
            boolean inTransaction = i % 2 == 0;
            if (inTransaction) {
                a.send("WRITE_TX 1 " + expected);
                a.await("UPDATED " + expected, REPLY);
                // A's transaction is open: its first bump has made B's entry a miss, and B caches the
                // committed row again, with the new generations; only A's bump after its commit can end it.
                String during = nameOf(items, 1, "b");
                if (!previous.equals(during)) {
                    uncommittedServed++;
                    sample(samples, "iteration " + i + ": during A's transaction B read '" + during + "', committed is '" + previous + "'");
                }
                a.send("COMMIT");
            } else {
                a.send("WRITE 1 " + expected);
            }
            awaitWrote(expected);
            String first = nameOf(items, 1, "b");    // B's entry predates the write: must be a miss
            String second = nameOf(items, 1, "b");   // the entry the first read stored: a hit
            for (String read : List.of(first, second))
                if (!expected.equals(read)) {
                    stale++;
                    sample(samples, "iteration " + i + (inTransaction ? " (transaction)" : " (auto-commit)") + ": B read '" + read
                        + "' after A's commit of '" + expected + "' returned");
                }
            if (!STEADY_VALUE.equals(steadyOf(items, "b-steady")))   // a table nobody writes: a hit every time
                wrongSteady++;
            previous = expected;
        }

        RegionStats after = b.stats("items");
        long hits = after.hits() - before.hits();
        long misses = after.misses() - before.misses();
        long outdated = after.outdatedEntries() - before.outdatedEntries();
        long backendErrors = after.backendErrors() - before.backendErrors();
        int executions = db.executions("b") - 1;
        long reads = 3L * ITERATIONS + ITERATIONS / 2;
        String counts = "iterations=%d (half auto-commit, half transactions read during), B's reads=%d: hits=%d misses=%d outdatedEntries=%d "
            .formatted(ITERATIONS, reads, hits, misses, outdated)
            + "regenerations=%d stored=%d skippedTableWritten=%d backendErrors=%d, executions of the item's query=%d; stale=%d uncommittedServed=%d"
            .formatted(after.regenerations() - before.regenerations(), after.stored() - before.stored(),
                after.skippedTableWritten() - before.skippedTableWritten(), backendErrors, executions, stale, uncommittedServed);
        System.out.println("TwoJvmInvalidationIT redis: " + counts);

        assertThat(stale).as("reads of an older value after A's commit returned: %s %s", counts, samples).isZero();
        assertThat(uncommittedServed).as("uncommitted values served: %s %s", counts, samples).isZero();
        assertThat(wrongSteady).as("reads of the unwritten table that were wrong: %s", counts).isZero();
        assertThat(backendErrors).as("Redis calls that failed in B: %s", counts).isZero();
        // Every write found B's previous entry in Redis and was rejected by the generation check of the
        // same MGET (one per auto-commit write, two per transaction: the read during it and the one after).
        assertThat(outdated).as("entries read from Redis but refused as older than a write: %s", counts)
            .isEqualTo(ITERATIONS + ITERATIONS / 2);
        assertThat(misses).as("misses: %s", counts).isEqualTo(ITERATIONS + ITERATIONS / 2);
        assertThat(hits).as("hits (the second read of the item and the unwritten table's row, each iteration): %s", counts)
            .isEqualTo(2L * ITERATIONS);
        assertThat(executions).as("PostgreSQL executions of the item's query: %s", counts).isEqualTo(ITERATIONS + ITERATIONS / 2);
        assertThat(db.executions("b-steady")).as("the unwritten table's row was computed once").isEqualTo(1);
    }

    @Test
    void aNearCacheStopsServingAnotherJvmsOverwrittenRowWithinItsMaxAge() throws Exception {
        DSLContext near = b.fromCache("near");
        // The near cache serves nothing until B's pub/sub subscription is confirmed, which opens in the background.
        Eventually.await("a near hit", Duration.ofSeconds(10), () -> {
            if (b.stats("near").nearHits() > 0)
                return true;
            assertThat(nameOf(near, 2, "b")).isEqualTo("item 2");
            assertThat(steadyOf(near, "b-steady")).isEqualTo(STEADY_VALUE);
            return false;
        }, () -> b.stats("near"));
        RegionStats before = b.stats("near");
        long bound = NEAR_MAX_AGE.toNanos();

        long[] staleness = new long[ITERATIONS];
        long[] stalenessInTransaction = new long[ITERATIONS / 2];
        int staleReads = 0;
        int staleAfterBound = 0;
        int staleIterations = 0;
        int wrong = 0;
        int regressions = 0;
        int uncommittedServed = 0;
        int clockViolations = 0;
        List<String> samples = new ArrayList<>();
        String previous = "item 2";
        // Each iteration normally takes a few ms. Were notifications lost, every copy would live out its
        // maxAge and 1,000 iterations would take half an hour: the whole loop is bounded instead.
        long loopDeadline = System.nanoTime() + LOOP_BUDGET.toNanos();
        int done = 0;
        for (int i = 1; i <= ITERATIONS && wrong + regressions + staleAfterBound == 0 && System.nanoTime() < loopDeadline; i++, done++) {
            String expected = "n" + i;
            boolean inTransaction = i % 2 == 0;
            if (inTransaction) {
                a.send("WRITE_TX 2 " + expected);
                a.await("UPDATED " + expected, REPLY);
                // B keeps a near copy of the committed row made after A's first bump: only the
                // notification of A's bump after the commit can end it.
                String during = nameOf(near, 2, "b");
                if (!previous.equals(during)) {
                    uncommittedServed++;
                    sample(samples, "iteration " + i + ": during A's transaction B read '" + during + "'");
                }
                a.send("COMMIT");
            } else {
                a.send("WRITE 2 " + expected);
            }
            long committedAt = awaitWrote(expected);
            if (committedAt - System.nanoTime() > 0)
                clockViolations++;
            long lastStaleAt = 0;
            boolean seen = false;
            while (true) {
                String read = nameOf(near, 2, "b");
                long now = System.nanoTime();
                if (expected.equals(read)) {
                    seen = true;
                    break;
                }
                if (!previous.equals(read)) {
                    wrong++;
                    sample(samples, "iteration " + i + ": B read '" + read + "', neither '" + previous + "' nor '" + expected + "'");
                    break;
                }
                staleReads++;
                lastStaleAt = now;
                if (now - committedAt > bound) {
                    staleAfterBound++;
                    sample(samples, "iteration " + i + ": B still read '" + read + "' " + (now - committedAt) / 1_000_000 + " ms after the commit");
                    if (now - committedAt > bound + TimeUnit.SECONDS.toNanos(1))
                        break;   // give up on this iteration; the assertion below reports it
                }
                LockSupport.parkNanos(100_000);   // poll interval; the loop is bounded above
            }
            long stale = lastStaleAt == 0 ? 0 : lastStaleAt - committedAt;
            staleness[i - 1] = Math.max(0, stale);
            if (inTransaction)
                stalenessInTransaction[i / 2 - 1] = Math.max(0, stale);
            if (lastStaleAt != 0)
                staleIterations++;
            if (seen) {
                String again = nameOf(near, 2, "b");   // usually a near hit of the copy the last read kept
                if (!expected.equals(again)) {
                    regressions++;
                    sample(samples, "iteration " + i + ": B read '" + again + "' after it had read '" + expected + "'");
                }
            }
            if (!STEADY_VALUE.equals(steadyOf(near, "b-steady")))
                wrong++;
            previous = expected;
        }

        RegionStats after = b.stats("near");
        staleness = Arrays.copyOf(staleness, done);
        stalenessInTransaction = Arrays.copyOf(stalenessInTransaction, done / 2);
        long nearHits = after.nearHits() - before.nearHits();
        String figures = "iterations=%d (half auto-commit, half transactions read during), staleReads=%d in %d iterations, worst=%.1f ms, p99=%.1f ms, "
            .formatted(done, staleReads, staleIterations, millis(max(staleness)), millis(percentile(staleness, 0.99)))
            + "transactions only: worst=%.1f ms p99=%.1f ms; bound (nearCache maxAge)=%d ms; B: hits=%d nearHits=%d misses=%d outdatedEntries=%d backendErrors=%d"
            .formatted(millis(max(stalenessInTransaction)), millis(percentile(stalenessInTransaction, 0.99)), NEAR_MAX_AGE.toMillis(),
                after.hits() - before.hits(), nearHits, after.misses() - before.misses(),
                after.outdatedEntries() - before.outdatedEntries(), after.backendErrors() - before.backendErrors());
        System.out.println("near-cache staleness: " + figures);

        assertThat(done).as("iterations done within %d s (notifications must end B's copies, not maxAge): %s %s", LOOP_BUDGET.toSeconds(),
            figures, samples).isEqualTo(ITERATIONS);

        assertThat(clockViolations).as("iterations where A's commit time came after B received it (clocks not comparable): %s", figures).isZero();
        assertThat(wrong).as("reads of a value that was never committed before them: %s %s", figures, samples).isZero();
        assertThat(uncommittedServed).as("uncommitted values served: %s %s", figures, samples).isZero();
        assertThat(regressions).as("old values read after the new one: %s %s", figures, samples).isZero();
        assertThat(staleAfterBound).as("old values read more than %d ms after the commit: %s %s", NEAR_MAX_AGE.toMillis(), figures, samples)
            .isZero();
        assertThat(Duration.ofNanos(max(staleness))).as("worst staleness: %s", figures).isLessThanOrEqualTo(NEAR_MAX_AGE);
        assertThat(nearHits).as("hits B's near cache served without Redis: %s", figures).isPositive();
        assertThat(after.outdatedEntries() - before.outdatedEntries()).as("entries refused as older than a write: %s", figures).isPositive();
    }

    @Test
    void aRegeneratorPausedPastItsLeaseCannotOverwriteWithOldRows() throws Exception {
        String count = "gated";
        long gate = ThreadLocalRandom.current().nextLong();
        String written = "written-while-A-was-paused";
        ResultQuery<Record2<String, Integer>> query = gatedRead(db.dsl, count, gate, appA);
        String entryKey = prefix + "gated:" + redisB.generation("region:gated") + ":" + b.keyOf("gated", query).hash();
        String lockKey = entryKey + ":lock";
        RegionStats bBefore = b.stats("gated");
        byte[] storedByB;

        try (Connection gateHolder = schema.connect()) {
            advisory(gateHolder, "pg_advisory_lock", gate);
            a.send("GATED_READ " + count + " " + gate);
            String locked = a.await("LOCKED ", REPLY);
            assertThat(prefix + locked.substring("LOCKED ".length())).as("the lock A took").isEqualTo(lockKey);
            PgSessions.await(schema, appA, "wait_event_type = 'Lock'", true, a::describe);   // A runs its query, held at the gate
            // A plain lease (the key's TTL, no watchdog renewing it): -2 once it ran out, never -1 (no TTL).
            assertThat(raw.commands().pttl(lockKey)).as("TTL of A's lock").isNotEqualTo(-1L).isLessThanOrEqualTo(GATED_LEASE.toMillis());

            // A write commits while A is paused: A's rows are now older than the table.
            assertThat(b.dsl().update(ITEMS).set(NAME, written).where(ID.eq(7)).execute()).isEqualTo(1);
            // A's lease runs out; A itself is still held at the gate.
            Eventually.await("A's lock " + lockKey + " gone once its lease ran out (keys named so)", GATED_LEASE.plusSeconds(5),
                () -> raw.commands().exists(lockKey), n -> n == 0);
            PgSessions.await(schema, appA, "wait_event_type = 'Lock'", true, a::describe);

            // B takes the lock A lost, regenerates and stores the new rows.
            assertThat(b.fromCache("gated").fetch(query).getValues(NAME)).containsExactly(written);
            RegionStats bAfter = b.stats("gated");
            assertThat(lockedByB).as("B held the lock A had lost").contains(lockKey.substring(prefix.length()));
            assertThat(bAfter.regenerations() - bBefore.regenerations()).as("B's regenerations").isEqualTo(1);
            assertThat(bAfter.stored() - bBefore.stored()).as("B's entry stored").isEqualTo(1);
            storedByB = raw.commands().dump(entryKey);
            assertThat(storedByB).as("B's entry in Redis").isNotNull();

            advisory(gateHolder, "pg_advisory_unlock", gate);
        }

        // A's query finishes with the rows of its snapshot, taken before the write: exactly what a late store would put back.
        assertThat(a.await("READ ", REPLY)).as("A's rows predate the write").isEqualTo("READ item 7");
        Map<String, Long> aStats = stats("gated");
        int staleOverwrites = Arrays.equals(raw.commands().dump(entryKey), storedByB) ? 0 : 1;
        String counts = "A: " + aStats + "; staleOverwrites=" + staleOverwrites;
        System.out.println("TwoJvmInvalidationIT paused regenerator: " + counts);
        assertThat(staleOverwrites).as("B's entry in Redis replaced by A's older rows: %s", counts).isZero();
        assertThat(aStats.get("regenerations")).as("A ran its query: %s", counts).isEqualTo(1);
        assertThat(aStats.get("skippedTableWritten")).as("A's late store refused by the generations script: %s", counts).isEqualTo(1);
        assertThat(aStats.get("stored")).as("A stored nothing: %s", counts).isZero();
        assertThat(db.executions(count)).as("executions: A's and B's").isEqualTo(2);

        // Every reader now gets B's rows from Redis without running the query: B, A, and a third engine with nothing in memory.
        RegionStats bNow = b.stats("gated");
        assertThat(b.fromCache("gated").fetch(query).getValues(NAME)).containsExactly(written);
        assertThat(b.stats("gated").hits() - bNow.hits()).isEqualTo(1);
        a.send("GATED_READ " + count + " " + gate);
        assertThat(a.await("READ ", REPLY)).isEqualTo("READ " + written);
        try (CachingDSL c = CachingDSL.wrap(db.dsl, regions(Region.DEFAULT_LOCK_LEASE), redisB)) {
            assertThat(c.fromCache("gated").fetch(query).getValues(NAME)).containsExactly(written);
            assertThat(c.stats("gated").hits()).isEqualTo(1);
        }
        assertThat(db.executions(count)).as("no read after A's refused store ran the query").isEqualTo(2);
        assertThat(stats("gated").get("skippedTableWritten")).isEqualTo(1);
    }

    @Test
    void aRolledBackTransactionInOneJvmChangesNothingForTheOther() throws Exception {
        int rounds = 20;
        int readsPerPhase = 5;
        // Above the clock (until about 2096): from there each bump adds exactly one, so bumps can be counted.
        raw.commands().set(prefix + "gen:table:|items", "4000000000000000");
        DSLContext items = b.fromCache("items");
        assertThat(nameOf(items, 3, "b")).isEqualTo("item 3");
        RegionStats before = b.stats("items");
        long generationBefore = redisB.generation("table:|items");
        Map<String, Long> aBefore = stats("items");

        int uncommittedServed = 0;
        int wrong = 0;
        List<String> samples = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            String uncommitted = "uncommitted-" + r;
            a.send("ROLLBACK 3 " + uncommitted);
            assertThat(a.await("UNCOMMITTED ", REPLY)).as("A reads its own write inside its transaction").isEqualTo("UNCOMMITTED " + uncommitted);
            // Half the rounds read while A's transaction is open (the bump before its write costs that
            // read a miss), half only after the rollback (it costs the first read after it).
            if (r % 2 == 1)
                for (int k = 0; k < readsPerPhase; k++) {
                    String read = nameOf(items, 3, "b");
                    if (uncommitted.equals(read))
                        uncommittedServed++;
                    else if (!"item 3".equals(read))
                        wrong++;
                    if (!"item 3".equals(read))
                        sample(samples, "round " + r + ", transaction open: B read '" + read + "'");
                }
            a.send("ROLL_BACK");
            a.await("ROLLED_BACK", REPLY);
            for (int k = 0; k < readsPerPhase; k++) {
                String read = nameOf(items, 3, "b");
                if (uncommitted.equals(read))
                    uncommittedServed++;
                else if (!"item 3".equals(read))
                    wrong++;
                if (!"item 3".equals(read))
                    sample(samples, "round " + r + ", rolled back: B read '" + read + "'");
            }
        }
        RegionStats after = b.stats("items");
        long reads = (long) rounds * readsPerPhase + (long) (rounds + 1) / 2 * readsPerPhase;
        long misses = after.misses() - before.misses();
        long hits = after.hits() - before.hits();
        long outdated = after.outdatedEntries() - before.outdatedEntries();
        long bumps = redisB.generation("table:|items") - generationBefore;
        Map<String, Long> aAfter = stats("items");
        long aStored = aAfter.get("stored") - aBefore.get("stored");
        long aCacheUse = aStored + aAfter.get("hits") - aBefore.get("hits") + aAfter.get("misses") - aBefore.get("misses");
        String counts = "rounds=%d, B's reads=%d: hits=%d misses=%d outdatedEntries=%d, executions=%d, bumps of items=%d; uncommittedServed=%d wrong=%d; A: stored=%d hits+misses+stored=%d"
            .formatted(rounds, reads, hits, misses, outdated, db.executions("b") - 1, bumps, uncommittedServed, wrong, aStored, aCacheUse);
        System.out.println("TwoJvmInvalidationIT rollback: " + counts);

        assertThat(uncommittedServed).as("uncommitted values served: %s %s", counts, samples).isZero();
        assertThat(wrong).as("%s %s", counts, samples).isZero();
        assertThat(bumps).as("one bump per rolled-back transaction (before its write), none for a commit: %s", counts).isEqualTo(rounds);
        assertThat(misses).as("at most one extra miss per rollback: %s", counts).isEqualTo(rounds);
        assertThat(outdated).as("%s", counts).isEqualTo(rounds);
        assertThat(hits).as("%s", counts).isEqualTo(reads - rounds);
        assertThat(db.executions("b") - 1).as("executions: %s", counts).isEqualTo(rounds);
        // jOOQ hands a DSL derived from a transaction's the transaction's own connection, so A's reads
        // inside never reach its engine at all (they are not counted as skippedTransaction either).
        assertThat(aCacheUse).as("A's reads inside its transactions used the cache: %s", counts).isZero();

        // The protocol can see a write: A commits one, and B's next read has it.
        a.send("WRITE 3 committed");
        awaitWrote("committed");
        assertThat(nameOf(items, 3, "b")).isEqualTo("committed");
    }

    /** Waits for A's {@code WROTE <value> <nanoTime>} and returns the time its write returned. */
    private long awaitWrote(String value) throws InterruptedException {
        String[] w = a.await("WROTE ", REPLY).split(" ");
        assertThat(w[1]).as("the write A confirmed").isEqualTo(value);
        return Long.parseLong(w[2]);
    }

    private static final Pattern STAT = Pattern.compile("(\\w+)=(\\d+)");

    /** A's stats of {@code region}, by name. */
    private Map<String, Long> stats(String region) throws InterruptedException {
        a.send("STATS " + region);
        Map<String, Long> values = new HashMap<>();
        Matcher m = STAT.matcher(a.await("STATS ", REPLY));
        while (m.find())
            values.put(m.group(1), Long.parseLong(m.group(2)));
        return values;
    }

    private static void sample(List<String> samples, String what) {
        if (samples.size() < 10)
            samples.add(what);
    }

    private static long max(long[] values) {
        return Arrays.stream(values).max().orElse(0);
    }

    private static long percentile(long[] values, double p) {
        if (values.length == 0)
            return 0;
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static void advisory(Connection c, String function, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select " + function + "(?)")) {
            s.setLong(1, key);
            s.executeQuery().close();
        }
    }

}
