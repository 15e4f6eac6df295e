package io.shardcache.examples;

import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.QueryPool;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.sharding.FanOutResult;
import io.shardcache.sharding.Routers;
import io.shardcache.sharding.ShardId;
import io.shardcache.sharding.ShardIdGenerator;
import io.shardcache.sharding.ShardIdLayout;
import io.shardcache.sharding.ShardMap;
import io.shardcache.sharding.Sharding;
import io.shardcache.testing.EmbeddedPostgresServer;
import io.shardcache.testing.EmbeddedRedisServer;
import io.shardcache.testing.EmbeddedServices;
import io.shardcache.testing.PostgresService;
import io.shardcache.testing.TestServices;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record2;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * A tour of shardcache on a PostgreSQL of its own: it starts an embedded server (or uses
 * {@code SHARDCACHE_PG_URL}), loads pgbench-like data, and shows a cached aggregate, a stampede
 * that reaches the database once, invalidation, async refresh, the parallel query pool, sharding, and Redis with a near cache.
 *
 * <p>Run: {@code ./mvnw -q -DskipTests package && java -jar examples/target/shardcache-examples.jar}
 */
public final class Tour {

    static final Table<Record> ACCOUNTS = table(name("pgbench_accounts"));
    static final Field<Integer> AID = field(name("aid"), Integer.class);
    static final Field<Integer> BID = field(name("bid"), Integer.class);
    static final Field<Integer> ABALANCE = field(name("abalance"), Integer.class);

    public static void main(String[] args) throws Exception {
        int scale = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        long started = System.nanoTime();
        EmbeddedPostgresServer embedded = null;
        PostgresService pg;
        if (System.getenv("SHARDCACHE_PG_URL") != null) {
            pg = TestServices.postgres();
        } else {
            System.out.println("Starting an embedded PostgreSQL (no installation needed)...");
            embedded = EmbeddedServices.startPostgres();
            pg = embedded.service();
        }
        System.out.println("PostgreSQL: " + pg.address() + " (" + pg.source() + ")");

        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(pg.jdbcUrl());
        pool.setMaximumPoolSize(8);
        try (HikariDataSource dataSource = new HikariDataSource(pool)) {
            DSLContext dsl = DSL.using(dataSource, SQLDialect.POSTGRES);
            loadAccounts(dsl, scale);

            Regions regions = Regions.builder()
                .region("reports", r -> r.ttl(Duration.ofMinutes(10)).staleFor(Duration.ofHours(1)).asyncRefresh(true))
                .region("live", r -> r.ttl(Duration.ofSeconds(1)).staleFor(Duration.ofHours(1)).asyncRefresh(true))
                .build();
            try (CachingDSL cached = CachingDSL.wrap(dsl, regions)) {
                section("1. A heavy aggregate: uncached, then through the cache");
                time("uncached       ", () -> accountsPerBranch(dsl));
                time("cached (miss)  ", () -> accountsPerBranch(cached.fromCache("reports")));
                time("cached (hit)   ", () -> accountsPerBranch(cached.fromCache("reports")));
                int n = 10_000;
                long t = System.nanoTime();
                for (int i = 0; i < n; i++)
                    accountsPerBranch(cached.fromCache("reports"));
                System.out.printf("   cached (hit), mean of %,d: %.3f ms%n", n, (System.nanoTime() - t) / 1e6 / n);
                System.out.println("   " + accountsPerBranch(cached.fromCache("reports")).size() + " branches; key "
                    + cached.keyOf("reports", aggregate(dsl)));

                section("2. A stampede: 50 threads ask for one cold key at once");
                stampede(cached, 50);

                section("3. Invalidation: a write, then a read that sees it");
                int before = balanceOf(cached, 1);
                cached.dsl().update(ACCOUNTS).set(ABALANCE, ABALANCE.plus(100)).where(AID.eq(1)).execute();
                System.out.println("   balance of account 1 after a write through cached.dsl(): " + balanceOf(cached, 1)
                    + " (was " + before + "; the write moved the table's generation)");
                dsl.update(ACCOUNTS).set(ABALANCE, ABALANCE.plus(100)).where(AID.eq(1)).execute();
                System.out.println("   after a write around the cache (plain dsl):              " + balanceOf(cached, 1) + " (still cached)");
                cached.invalidateTables(ACCOUNTS);
                System.out.println("   after invalidateTables(ACCOUNTS):                         " + balanceOf(cached, 1));
                long regenerations = cached.stats("reports").regenerations();
                accountsPerBranch(cached.fromCache("reports"));
                System.out.println("   the aggregate over accounts was recomputed too: "
                    + (cached.stats("reports").regenerations() - regenerations) + " regeneration");

                section("4. Async refresh: a stale entry is served at once while one caller refreshes it");
                asyncRefresh(cached);

                section("5. The parallel query pool: six queries to a database 20 ms away, one by one, then at most 8 at a time");
                queryPool(pg, regions);

                section("6. Sharding: users on 2 physical databases x 16 logical shards");
                sharding(pg, cached);

                section("7. Redis: two caching DSLs (two JVMs, as far as they can tell) share entries; a near cache");
                redis(dsl);

                RegionStats s = cached.stats("reports");
                section("Region 'reports'");
                System.out.printf("   hits=%d misses=%d regenerations=%d stored=%d%n", s.hits(), s.misses(), s.regenerations(), s.stored());
            }
        } finally {
            if (embedded != null)
                embedded.close();
        }
        System.out.printf("%nDone in %.1f s.%n", (System.nanoTime() - started) / 1e9);
    }

    static Result<Record2<Integer, Integer>> accountsPerBranch(DSLContext d) {
        return aggregate(d).fetch();
    }

    static org.jooq.ResultQuery<Record2<Integer, Integer>> aggregate(DSLContext d) {
        return d.select(BID, count()).from(ACCOUNTS).groupBy(BID).orderBy(BID);
    }

    static int balanceOf(CachingDSL cached, int aid) {
        return cached.fromCache("reports").select(ABALANCE).from(ACCOUNTS).where(AID.eq(aid)).fetchSingle(ABALANCE);
    }

    /** pgbench's accounts table: 100,000 rows per unit of scale, one branch per unit. */
    static void loadAccounts(DSLContext dsl, int scale) {
        long t = System.nanoTime();
        dsl.execute("drop table if exists pgbench_accounts");
        dsl.execute("create table pgbench_accounts (aid int primary key, bid int not null, abalance int not null, filler char(84))");
        dsl.execute("insert into pgbench_accounts select a, (a - 1) / 100000 + 1, 0, '' from generate_series(1, ?) a", scale * 100_000);
        dsl.execute("analyze pgbench_accounts");
        System.out.printf("Loaded %,d accounts in %.1f s.%n", scale * 100_000, (System.nanoTime() - t) / 1e9);
    }

    static void stampede(CachingDSL cached, int threads) throws InterruptedException, ExecutionException {
        DSLContext reports = cached.fromCache("reports");
        long regenerationsBefore = cached.stats("reports").regenerations();
        CountDownLatch gate = new CountDownLatch(1);
        List<Future<?>> reads = new ArrayList<>(threads);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < threads; i++)
                reads.add(pool.submit(() -> {
                    gate.await();
                    return reports.select(BID, count()).from(ACCOUNTS).where(ABALANCE.ge(0)).groupBy(BID).fetch();
                }));
            gate.countDown();
        }
        for (Future<?> read : reads)
            read.get();   // all done once the pool closed: this only rethrows a failed read
        System.out.println("   " + threads + " callers, database executions: "
            + (cached.stats("reports").regenerations() - regenerationsBefore));
    }

    static void asyncRefresh(CachingDSL cached) throws InterruptedException {
        DSLContext live = cached.fromCache("live");            // fresh for 1 s, then stale for an hour
        time("first read (miss)          ", () -> accountsPerBranch(live));
        Thread.sleep(1_100);
        time("after 1.1 s (stale, served)", () -> accountsPerBranch(live));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (cached.stats("live").stored() < 2 && System.nanoTime() < deadline)
            Thread.sleep(10);                                  // the background refresh stores a new entry
        time("after the refresh (hit)    ", () -> accountsPerBranch(live));
        RegionStats s = cached.stats("live");
        System.out.printf("   stale served=%d, regenerations=%d (one in the background), hits=%d%n",
            s.staleServed(), s.regenerations(), s.hits());
    }

    /**
     * The pool is for queries that wait: on the network, on disks, on a remote server. Here each of six cheap
     * queries waits for its reply to cross a link that holds it 20 ms (a database in another zone), so one by
     * one they take six waits and in the pool about one. Queries that keep the database's CPUs busy instead
     * overlap only as far as it has cores: on a 2-CPU machine, hardly at all.
     */
    static void queryPool(PostgresService pg, Regions regions) throws Exception {
        try (DelayedLink link = DelayedLink.to(pg.host(), pg.port(), Duration.ofMillis(20));
             HikariDataSource far = new HikariDataSource(pool(new PostgresService(pg.source(), "127.0.0.1", link.port(),
                 pg.database(), pg.user(), pg.password()), pg.database(), 8))) {
            DSLContext dsl = DSL.using(far, SQLDialect.POSTGRES);
            QueryPool pool = QueryPool.sizedFor(dsl);
            pool.fetchAll(sixLookups(dsl));                    // opens the pool's connections, outside the timing
            System.out.println("   (a TCP relay holds each reply 20 ms; the queries are primary-key reads)");
            time("one by one     ", () -> sixLookups(dsl).forEach(ResultQuery::fetch));
            time("in the pool    ", () -> pool.fetchAll(sixLookups(dsl)).forEach(QueryPool.Outcome::result));
            try (CachingDSL cached = CachingDSL.wrap(dsl, regions)) {
                time("first cached read      ", () -> cached.fromCache("reports").selectOne().fetch());
                System.out.println("   (once per connection pool: the session's settings are read for the keys, in a few round trips)");
                time("pool, cached (6 misses)", () -> pool.fetchAll(sixLookups(cached.fromCache("reports")))
                    .forEach(QueryPool.Outcome::result));
                time("pool, cached (6 hits)  ", () -> pool.fetchAll(sixLookups(cached.fromCache("reports")))
                    .forEach(QueryPool.Outcome::result));
                System.out.println("   the second batch: " + cached.stats("reports").hits()
                    + " hits, no round trip: looked up together before any query ran; only misses would reach the database");
            }
            System.out.println("   (queries that keep the database's CPUs busy overlap only as far as it has cores: "
                + Runtime.getRuntime().availableProcessors() + " here)");
        }
    }

    static List<ResultQuery<Record2<Integer, Integer>>> sixLookups(DSLContext dsl) {
        List<ResultQuery<Record2<Integer, Integer>>> queries = new ArrayList<>();
        for (int i = 0; i < 6; i++)
            queries.add(dsl.select(AID, ABALANCE).from(ACCOUNTS).where(AID.eq(1 + 1000 * i)));
        return queries;
    }

    static final Table<Record> USERS = table(name("app", "users"));
    static final Field<Long> USER_ID = field(name("users", "id"), Long.class);
    static final Field<String> USER_NAME = field(name("users", "name"), String.class);

    /** Two databases of this server stand for two physical servers; each holds 8 shard schemas. */
    static void sharding(PostgresService pg, CachingDSL cached) throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            for (String db : List.of("tour_db1", "tour_db2")) {
                st.execute("drop database if exists " + db + " with (force)");
                st.execute("create database " + db);
            }
        }
        ShardMap map = ShardMap.builder()
            .logicalShards(16)
            .schemaPattern("shard_%04d")
            .applicationSchema("app")
            .physical("db1", pool(pg, "tour_db1"), 0, 8)
            .physical("db2", pool(pg, "tour_db2"), 8, 16)
            .build();
        ShardIdLayout ids = ShardIdLayout.DEFAULT;
        try (Sharding sharding = Sharding.create(map, Routers.idEmbedded(ids))) {
            sharding.createShards("create schema %{name}; create table %{name}.users (id bigint primary key, name text not null)");
            // Each user's ID carries its shard: new users go to a shard by name, and every later
            // query finds the shard in the ID alone.
            ShardIdGenerator[] generators = new ShardIdGenerator[map.logicalShards()];   // one per shard, thread-safe
            for (int shard = 0; shard < generators.length; shard++)
                generators[shard] = ShardIdGenerator.forShard(ids, shard);
            long first = 0;
            for (int i = 0; i < 1_000; i++) {
                long id = generators[Math.floorMod(("user " + i).hashCode(), generators.length)].nextId();
                sharding.on(id).insertInto(USERS, USER_ID, USER_NAME).values(id, "user " + i).execute();
                if (i == 0)
                    first = id;
            }
            ShardId decoded = ids.decode(first);
            System.out.printf("   user 0 has id %d: logical shard %d (on %s), created %s%n",
                first, decoded.shard(), map.serverOf(decoded.shard()).name(), decoded.createdAt());
            String name = cached.on(sharding.on(first)).fromCache("reports")
                .select(USER_NAME).from(USERS).where(USER_ID.eq(first)).fetchSingle(USER_NAME);
            System.out.println("   read through the cache on its shard: " + name);
            FanOutResult<Integer> counts = sharding.onAll(ctx -> ctx.fetchCount(USERS));
            System.out.printf("   a fan-out count over the 16 shards: %d users in %d ms (per shard: %s)%n",
                counts.values().stream().mapToInt(Integer::intValue).sum(), counts.elapsed().toMillis(), counts.values());
        }
    }

    /** Uses {@code SHARDCACHE_REDIS_URL}, or starts an embedded Redis for the section. */
    static void redis(DSLContext dsl) throws Exception {
        EmbeddedRedisServer embedded = System.getenv("SHARDCACHE_REDIS_URL") == null ? EmbeddedServices.startRedis() : null;
        String uri = embedded != null ? embedded.uri() : TestServices.redis().uri();
        System.out.println("   Redis: " + uri.replaceAll("//[^@]*@", "//") + (embedded != null ? " (embedded)" : ""));
        Regions regions = Regions.builder()
            .region("shared", r -> r.ttl(Duration.ofMinutes(10)))
            .region("near", r -> r.ttl(Duration.ofMinutes(10)).nearCache(1_000, Duration.ofSeconds(5)))
            .build();
        String prefix = "tour:" + java.time.InstantSource.system().millis() + ":";   // this run's keys: the data is reloaded every run
        try (RedisCacheBackend backendA = RedisCacheBackend.builder(uri).keyPrefix(prefix).build();
             RedisCacheBackend backendB = RedisCacheBackend.builder(uri).keyPrefix(prefix).build();
             CachingDSL a = CachingDSL.wrap(dsl, regions, backendA);
             CachingDSL b = CachingDSL.wrap(dsl, regions, backendB)) {
            time("A: first read (miss)            ", () -> balanceOf(a, "shared", 2));
            time("B: the same read (Redis hit)    ", () -> balanceOf(b, "shared", 2));
            balanceOf(b, "near", 2);
            for (int i = 0; i < 1_000; i++)                     // warm up; the near cache goes live meanwhile
                balanceOf(b, "near", 2);
            time("B: again, from its near cache   ", () -> balanceOf(b, "near", 2));
            a.dsl().update(ACCOUNTS).set(ABALANCE, ABALANCE.plus(1)).where(AID.eq(2)).execute();
            long written = System.nanoTime();
            int seen = balanceOf(b, "near", 2);
            while (seen == 0 && System.nanoTime() - written < 5_000_000_000L)
                seen = balanceOf(b, "near", 2);
            System.out.printf("   A writes through a.dsl(); B's near cache shows %d after %.2f ms (the pub/sub notification)%n",
                seen, (System.nanoTime() - written) / 1e6);
            System.out.printf("   B: %d near hits, %d Redis hits%n", b.stats("near").nearHits(),
                b.stats("shared").hits() + b.stats("near").hits() - b.stats("near").nearHits());
        } finally {
            if (embedded != null)
                embedded.close();
        }
    }

    static int balanceOf(CachingDSL cached, String region, int aid) {
        return cached.fromCache(region).select(ABALANCE).from(ACCOUNTS).where(AID.eq(aid)).fetchSingle(ABALANCE);
    }

    static HikariConfig pool(PostgresService pg, String database) {
        return pool(pg, database, 4);
    }

    static HikariConfig pool(PostgresService pg, String database, int size) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(pg.jdbcUrl(database));
        c.setUsername(pg.user());
        if (pg.password() != null)
            c.setPassword(pg.password());
        c.setMaximumPoolSize(size);
        return c;
    }

    static void time(String label, Runnable query) {
        long t = System.nanoTime();
        query.run();
        System.out.printf("   %s %8.2f ms%n", label, (System.nanoTime() - t) / 1e6);
    }

    static void section(String title) {
        System.out.println();
        System.out.println(title);
    }
}
