package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static io.shardcache.testing.Eventually.awaitWorking;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.BackendRing;
import io.shardcache.query.CacheBackendException;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.query.Health;
import io.shardcache.query.InProcessCacheBackend;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.CacheBackend.Read;
import io.shardcache.query.spi.CacheBackend.ReadRequest;
import io.shardcache.query.spi.ForwardingCacheBackend;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jooq.Record2;
import org.jooq.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link BackendRing} over three standalone {@code redis-server} processes of this test's own, with
 * PostgreSQL counting executions. Each "process" is a {@link CachingDSL} with its own ring (its own
 * backends) over the same servers, names and key prefix.
 */
@ExtendWith(ServicesExtension.class)
class BackendRingIT {

    private static final List<String> NAMES = List.of("cache-a", "cache-b", "cache-c");
    private static final List<KillableRedis> servers = new ArrayList<>();

    private final Regions regions = Regions.builder()
        .region("items")
        .region("near", r -> r.nearCache(1_000, Duration.ofMinutes(1)))
        .build();
    private String prefix;
    private Db db;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeAll
    static void startServers() throws Exception {
        for (int i = 0; i < NAMES.size(); i++)
            servers.add(KillableRedis.start());
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (KillableRedis s : servers)
            s.close();
    }

    @BeforeEach
    void setUp(TestSchema schema, TestInfo test) throws Exception {
        prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        db = new Db(schema, 32);
        for (KillableRedis s : servers)
            if (!s.running())
                s.launch();   // the kill test's victim
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLater.reversed())
            c.close();
        db.close();
    }

    private BackendRing ring() {
        return ring(servers, NAMES);
    }

    private BackendRing ring(List<KillableRedis> on, List<String> names) {
        BackendRing.Builder b = BackendRing.builder();
        for (int i = 0; i < names.size(); i++)
            b.node(names.get(i), RedisCacheBackend.builder(on.get(i).uri()).keyPrefix(prefix).build());
        BackendRing ring = b.build();
        closeLater.add(ring);
        return ring;
    }

    /** Until reads of 30 keys (spread over every node, most likely) work: each node connects in the background. */
    private static void awaitAnswering(BackendRing ring) throws Exception {
        awaitWorking("reads on every node of the ring", Duration.ofSeconds(15), CacheBackendException.class, () -> {
            for (int i = 0; i < 30; i++)
                ring.get("items", "items:0:probe" + i);
        });
    }

    private CachingDSL process(CacheBackend backend) {
        CachingDSL cached = CachingDSL.wrap(db.dsl, regions, backend);
        closeLater.add(cached);
        return cached;
    }

    private static Result<Record2<String, Integer>> read(CachingDSL cached, String region, int id, String counter, double seconds) {
        return cached.fromCache(region).select(NAME, Db.touchSlow(counter, seconds)).from(ITEMS).where(ID.eq(id)).fetch();
    }

    private static final List<String> FOUR_NAMES = List.of("cache-a", "cache-b", "cache-c", "cache-d");

    /** The three servers and a fourth of this test's own, which it may kill. */
    private List<KillableRedis> fourServers() throws Exception {
        KillableRedis fourth = KillableRedis.start();
        closeLater.add(fourth);
        List<KillableRedis> four = new ArrayList<>(servers);
        four.add(fourth);
        return four;
    }

    /** A counter name that the ring places on {@code node}. */
    private static String counterOn(BackendRing ring, String node, String stem) {
        for (int i = 0; ; i++)
            if (ring.nodeOf("gen:" + stem + i).equals(node))
                return stem + i;
    }

    @Test
    void keysSpreadOverEveryServerAndTwoRingsWithTheSameNamesAgree() throws Exception {
        BackendRing one = ring();
        BackendRing two = ring();
        awaitAnswering(one);
        for (int i = 0; i < 300; i++)
            one.put("items", "items:0:k" + i, new byte[] {(byte) i}, Duration.ofMinutes(1));
        for (int i = 0; i < 300; i++)
            assertThat(two.get("items", "items:0:k" + i)).as("key " + i + " through the other ring").containsExactly((byte) i);
        for (int s = 0; s < servers.size(); s++) {
            try (RawRedis raw = new RawRedis(servers.get(s).service())) {
                assertThat(raw.keys(prefix)).as("keys on " + NAMES.get(s)).hasSizeBetween(50, 150);
            }
        }
        assertThat(one.describe()).startsWith("ring(cache-a=redis://127.0.0.1:");
    }

    @Test
    void aNodeAddedTakesAboutItsShareAndEveryKeyThatMovesMovesToIt() {
        BackendRing.Builder three = BackendRing.builder(), four = BackendRing.builder();
        for (String n : NAMES) {
            three.node(n, InProcessCacheBackend.builder().build());
            four.node(n, InProcessCacheBackend.builder().build());
        }
        four.node("cache-d", InProcessCacheBackend.builder().build());
        BackendRing before = three.build(), after = four.build();
        int moved = 0;
        Map<String, Integer> share = new HashMap<>();
        for (int i = 0; i < 4_000; i++) {
            String key = "items:0:" + i;
            share.merge(before.nodeOf(key), 1, Integer::sum);
            if (!before.nodeOf(key).equals(after.nodeOf(key))) {
                assertThat(after.nodeOf(key)).as("where a moved key goes").isEqualTo("cache-d");
                moved++;
            }
        }
        assertThat(moved).as("keys moved of 4000").isBetween(600, 1_400);
        assertThat(share.values()).allSatisfy(n -> assertThat(n).isBetween(900, 1_800));
        assertThatThrownBy(() -> BackendRing.builder().node("x", before).node("x", after))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("given twice");
        assertThatThrownBy(() -> BackendRing.builder().build()).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("at least one node");
    }

    @Test
    void readsStoresAndIncrementsSpanNodes() throws Exception {
        BackendRing ring = ring();
        awaitAnswering(ring);
        String key = "items:0:spanning";
        String entryNode = ring.nodeOf(key);
        List<String> counters = new ArrayList<>();
        for (String n : NAMES)
            counters.add(counterOn(ring, n, "table:" + n + ":"));
        long[] now = ring.incrementGenerations(counters);
        long second = ring.incrementGeneration(counters.get(1));
        assertThat(second).isGreaterThan(now[1]);
        now[1] = second;
        assertThat(ring.putIfGenerations("items", key, new byte[] {7}, Duration.ofMinutes(1), counters, now)).isTrue();
        Read read = ring.read("items", key, counters);
        assertThat(read.generations()).containsExactly(now);
        assertThat(read.entry()).containsExactly(7);

        for (int moved = 0; moved < counters.size(); moved++) {
            long[] stale = ring.read("items", key, counters).generations();
            ring.incrementGeneration(counters.get(moved));   // the value the caller read is stale now
            assertThat(ring.putIfGenerations("items", key, new byte[] {8}, Duration.ofMinutes(1), counters, stale))
                .as("a store after " + counters.get(moved) + (ring.nodeOf("gen:" + counters.get(moved)).equals(entryNode)
                    ? " (on the entry's node)" : " (on another node)") + " moved").isFalse();
        }
        assertThat(ring.get("items", key)).containsExactly(7);

        List<Read> batch = ring.readAll(List.of(new ReadRequest("items", key, counters),
            new ReadRequest("items", "items:0:absent", List.of(counters.get(2), counters.get(0)))));
        long[] latest = ring.read("items", "items:0:other", counters).generations();
        assertThat(latest).as("every counter moved once more").satisfies(l -> {
            for (int i = 0; i < l.length; i++)
                assertThat(l[i]).isGreaterThan(now[i]);
        });
        assertThat(batch.get(0).generations()).containsExactly(latest);
        assertThat(batch.get(0).entry()).containsExactly(7);
        assertThat(batch.get(1).generations()).containsExactly(latest[2], latest[0]);
        assertThat(batch.get(1).entry()).isNull();
        assertThat(ring.delete("items", key)).isTrue();
        assertThat(ring.get("items", key)).isNull();
    }

    @Test
    void sixtyFourThreadsInTwoProcessesOnAColdKeyRunTheQueryOnce() throws Exception {
        List<CachingDSL> processes = List.of(process(ring()), process(ring()));

        ColdKey.runsOnce(db, processes, "cold", c -> read(c, "items", 7, "cold", 0.5));
    }

    @Test
    void aWriteInOneProcessReachesTheOthersNearCache() throws Exception {
        CachingDSL one = process(ring());
        CachingDSL two = process(ring());
        Eventually.await("every node's subscription live, in both processes", Duration.ofSeconds(15),
            () -> one.health().status() == Health.Status.UP && two.health().status() == Health.Status.UP,
            () -> one.health() + "; " + two.health());
        assertThat(read(two, "near", 8, "w", 0).getValues(NAME)).containsExactly("item 8");
        assertThat(read(two, "near", 8, "w", 0).getValues(NAME)).containsExactly("item 8");
        assertThat(two.stats("near").nearHits()).as("the second read, from the near cache").isEqualTo(1);
        assertThat(db.executions("w")).isEqualTo(1);

        one.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(8)).execute();
        Eventually.await("the write's generation message reached the other near cache", Duration.ofSeconds(10),
            () -> read(two, "near", 8, "w", 0).getValues(NAME), List.of("renamed")::equals);
        assertThat(one.stats("near").backendErrors() + two.stats("near").backendErrors()).isZero();
    }

    /**
     * An entry is stored, its table is written, and the server holding that table's counter restarts
     * empty: the counter is gone, but the entry (on another server) must not match it again. Before a
     * counter was created at the clock on first read, the entry had recorded it as 0, the lost counter
     * read 0 again, and the rows from before the write were served.
     */
    @Test
    void aCounterLostWithItsServerNeverMatchesAnEntryRecordedBeforeTheLoss() throws Exception {
        // Node names under which the table's counter and the scope's any-table counter live apart:
        // the victim must hold the first only.
        List<String> names = null;
        for (int n = 0; names == null; n++) {
            BackendRing.Builder probe = BackendRing.builder();
            List<String> candidate = new ArrayList<>();
            for (String name : NAMES) {
                candidate.add(name + "-" + n);
                probe.node(name + "-" + n, InProcessCacheBackend.create());
            }
            try (BackendRing p = probe.build()) {
                if (!p.nodeOf("gen:table:|items").equals(p.nodeOf("gen:table:|*")))
                    names = candidate;
            }
        }
        BackendRing ring = ring(servers, names);
        String victim = ring.nodeOf("gen:table:|items");
        String region = null;
        for (int i = 0; region == null; i++)
            if (!ring.nodeOf("gen:region:lost" + i).equals(victim) && !ring.nodeOf("gen:soft:lost" + i).equals(victim))
                region = "lost" + i;
        String r = region;
        CachingDSL cached = CachingDSL.wrap(db.dsl, Regions.builder().region(r).build(), ring);
        closeLater.add(cached);
        awaitWorking("the ring's first read", Duration.ofSeconds(15), CacheBackendException.class, () -> ring.generation("region:" + r));
        java.util.function.IntFunction<org.jooq.ResultQuery<Record2<String, Integer>>> query =
            id -> cached.fromCache(r).select(NAME, Db.touch("lost" + id)).from(ITEMS).where(ID.eq(id));
        int id = 0;
        for (int candidate = 1; id == 0; candidate++) {
            query.apply(candidate).fetch();   // stored
            String storageKey = r + ":" + ring.generation("region:" + r) + ":" + cached.keyOf(r, query.apply(candidate)).hash();
            if (!ring.nodeOf(storageKey).equals(victim))
                id = candidate;
        }
        int chosen = id;
        assertThat(query.apply(chosen).fetch().getValues(NAME)).containsExactly("item " + chosen);
        assertThat(db.executions("lost" + chosen)).as("the second read was a hit").isEqualTo(1);

        cached.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(chosen)).execute();
        KillableRedis server = servers.get(names.indexOf(victim));
        server.kill();
        server.launch();   // same port, empty: the counter the write bumped is gone
        awaitWorking("a read of the restarted server", Duration.ofSeconds(15), CacheBackendException.class, () -> ring.generation("table:|items"));
        assertThat(query.apply(chosen).fetch().getValues(NAME)).as("read after the counter's server restarted empty")
            .containsExactly("renamed");
        assertThat(db.executions("lost" + chosen)).isEqualTo(2);
    }

    /**
     * A server of four is killed: its circuit alone opens, and the other servers' keys keep hitting
     * even when every one of their reads comes right after three failed reads of the dead server's
     * keys (which would open a circuit around the whole ring).
     */
    @Test
    void aServerDownOpensItsOwnCircuitAndTheOthersKeysKeepHitting() throws Exception {
        List<KillableRedis> four = fourServers();
        List<String> names = FOUR_NAMES;
        List<String> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        BackendRing.Builder b = BackendRing.builder().circuitBreakerPerServer(3, Duration.ofSeconds(30), new io.shardcache.query.spi.CacheListener() {
            @Override
            public void circuitOpened(String backend, Duration openFor, Throwable cause) {
                opened.add(backend);
            }
        });
        for (int i = 0; i < names.size(); i++)
            b.node(names.get(i), RedisCacheBackend.builder(four.get(i).uri()).keyPrefix(prefix).build());
        BackendRing ring = b.build();
        closeLater.add(ring);
        assertThat(ring.breaksPerServer()).isTrue();
        CachingDSL cached = process(ring);
        awaitAnswering(ring);
        int keys = 40;
        for (int id = 1; id <= keys; id++)
            assertThat(read(cached, "items", id, "k" + id, 0).getValues(NAME)).containsExactly("item " + id);
        long generation = ring.generation("region:items");
        Set<String> holders = new HashSet<>();
        for (String c : List.of("region:items", "soft:items", "table:|items", "table:|*"))
            holders.add(ring.nodeOf("gen:" + c));
        String victim = null;
        for (int s = names.size() - 1; s >= 0 && victim == null; s--)
            if (!holders.contains(names.get(s)))
                victim = names.get(s);
        assertThat(victim).as("a server without the region's counters (they are on " + holders + ")").isNotNull();
        List<Integer> onVictim = new ArrayList<>();
        List<Integer> elsewhere = new ArrayList<>();
        for (int id = 1; id <= keys; id++) {
            String storageKey = "items:" + generation + ":" + cached.keyOf("items",
                db.dsl.select(NAME, Db.touchSlow("k" + id, 0)).from(ITEMS).where(ID.eq(id))).hash();
            (ring.nodeOf(storageKey).equals(victim) ? onVictim : elsewhere).add(id);
        }
        assertThat(onVictim).as("keys on the victim").hasSizeGreaterThanOrEqualTo(3);

        four.get(names.indexOf(victim)).kill();
        RegionStats before = cached.stats("items");
        for (int id : elsewhere) {
            for (int v = 0; v < 3; v++) {
                int dead = onVictim.get(v);
                assertThat(read(cached, "items", dead, "k" + dead, 0).getValues(NAME)).containsExactly("item " + dead);
            }
            assertThat(read(cached, "items", id, "k" + id, 0).getValues(NAME)).containsExactly("item " + id);
        }
        RegionStats after = cached.stats("items");
        String victimPort = ":" + four.get(names.indexOf(victim)).port();
        System.out.printf("BackendRingIT: %d keys elsewhere, %d hits of them after the kill; circuits opened: %s%n",
            elsewhere.size(), after.hits() - before.hits(), opened);
        assertThat(after.hits() - before.hits()).as("every key on the other servers hit").isEqualTo(elsewhere.size());
        assertThat(opened).as("circuits opened").isNotEmpty().allSatisfy(d -> assertThat(d).endsWith(victimPort));
        io.shardcache.query.Health health = cached.health();
        assertThat(health.status()).as("one server of four down: %s", health).isEqualTo(io.shardcache.query.Health.Status.DEGRADED);
        assertThat(health.reasons()).as("the reasons name the dead server's open circuit alone")
            .filteredOn(r -> r.startsWith("the circuit of ")).singleElement().asString().contains(victimPort);
    }

    /**
     * A server is killed while eight threads read forty keys. Every read needs its region's three
     * counters, so the ring has four servers and the one killed holds none of them; the ring's
     * circuits are per server, so what is seen is the ring's share.
     */
    @Test
    void aServerKilledMidRunCostsOnlyItsShareAndNoCallerGetsAWrongRow() throws Exception {
        List<KillableRedis> four = fourServers();
        List<String> names = FOUR_NAMES;
        Set<String> counters = ConcurrentHashMap.newKeySet();
        BackendRing ring = ring(four, names);
        CachingDSL cached = CachingDSL.builder(db.dsl, regions).backend(new ForwardingCacheBackend(ring) {
                @Override
                public Read read(String region, String key, List<String> names) {
                    counters.addAll(names);
                    return super.read(region, key, names);
                }
            }).build();
        closeLater.add(cached);
        awaitAnswering(ring);
        int keys = 40;
        for (int id = 1; id <= keys; id++)
            assertThat(read(cached, "items", id, "k" + id, 0).getValues(NAME)).containsExactly("item " + id);
        Set<String> holders = new HashSet<>();
        for (String c : counters)
            holders.add(ring.nodeOf("gen:" + c));
        int victim = -1;
        for (int s = names.size() - 1; s >= 0 && victim < 0; s--)
            if (!holders.contains(names.get(s)))
                victim = s;
        assertThat(victim).as("a server without the region's counters (they are on " + holders + ")").isNotNegative();

        try (Readers readers = new Readers(8, keys, id -> read(cached, "items", id, "k" + id, 0).getValues(NAME), id -> List.of("item " + id))) {
            readers.awaitMore(400);
            four.get(victim).kill();
            readers.awaitMore(1_000);
        }
        RegionStats before = cached.stats("items");
        for (int id = 1; id <= keys; id++)
            assertThat(read(cached, "items", id, "k" + id, 0).getValues(NAME)).containsExactly("item " + id);
        RegionStats after = cached.stats("items");
        assertThat(after.hits() - before.hits()).as("the survivors' share still hits").isPositive();
        assertThat(after.backendErrors() - before.backendErrors()).as("the killed server's share runs on PostgreSQL").isPositive();
    }
}
