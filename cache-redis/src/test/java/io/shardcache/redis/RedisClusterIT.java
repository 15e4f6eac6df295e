package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static io.shardcache.testing.Eventually.awaitWorking;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.cluster.SlotHash;
import io.shardcache.query.CacheBackendException;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * The Redis backend on a real Redis Cluster: three masters, {@code redis-server} processes of this
 * test's own on loopback ports ({@link RedisClusterProcesses}), with PostgreSQL counting executions.
 * Each "process" is a {@link CachingDSL} with its own backend (its own Lettuce cluster and Redisson
 * clients) on the same key prefix.
 */
@ExtendWith(ServicesExtension.class)
class RedisClusterIT {

    private static RedisClusterProcesses cluster;

    private final Regions regions = Regions.builder().region("items").build();
    private String prefix;
    private Db db;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisClusterProcesses.start(3);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null)
            cluster.close();
    }

    @BeforeEach
    void setUp(TestSchema schema, TestInfo test) throws Exception {
        prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        db = new Db(schema, 32);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLater.reversed())
            c.close();
        db.close();
    }

    private RedisCacheBackend backend(RedisClusterProcesses on) {
        RedisCacheBackend backend = RedisCacheBackend.clusterBuilder(on.seeds()).keyPrefix(prefix).build();
        closeLater.add(backend);
        return backend;
    }

    /** Another process: its own backend and engine, on the shared prefix. */
    private CachingDSL process(RedisClusterProcesses on) {
        CachingDSL cached = CachingDSL.wrap(db.dsl, regions, backend(on));
        closeLater.add(cached);
        return cached;
    }

    private static Result<Record2<String, Integer>> read(CachingDSL cached, int id, String counter, double seconds) {
        return cached.fromCache("items").select(NAME, Db.touchSlow(counter, seconds)).from(ITEMS).where(ID.eq(id)).fetch();
    }

    /** Counter names whose keys fall in {@code n} different slots, none in {@code notIn}. */
    private List<String> countersInOtherSlots(int n, int notIn) {
        List<String> names = new ArrayList<>();
        Set<Integer> slots = new HashSet<>(Set.of(notIn));
        for (int i = 0; names.size() < n; i++) {
            String name = "table:t" + i;
            if (slots.add(SlotHash.getSlot(prefix + "gen:" + name)))
                names.add(name);
        }
        return names;
    }

    @Test
    void entriesAndCountersSpreadOverTheMastersAndEveryCallWorksAcrossSlots() throws Exception {
        RedisCacheBackend backend = backend(cluster);
        awaitWorking("the backend's first read", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.get("items", "items:0:probe"));
        List<ReadRequest> requests = new ArrayList<>();
        for (int i = 0; i < 300; i++) {   // more keys than one MGET takes, and over every master
            String key = "items:0:k" + i;
            backend.put("items", key, new byte[] {(byte) i}, Duration.ofMinutes(1));
            requests.add(new ReadRequest("items", key, List.of("region:items", "table:t" + (i % 7))));
        }
        for (int m = 0; m < cluster.size(); m++)
            assertThat(cluster.on(m, c -> c.dbsize()).longValue()).as("keys on master " + m).isGreaterThan(50);

        long[] bumped = backend.incrementGenerations(List.of("table:t0", "table:t1", "table:t2", "table:t3", "region:items"));
        for (long v : bumped)
            assertThat(v).as("a first value: the server's clock in microseconds").isGreaterThan(1L << 50);
        List<Read> reads = backend.readAll(requests);   // creates t4 to t6, in their own slots, at the clock
        long[] created = new long[7];
        for (int t = 4; t < 7; t++)
            created[t] = backend.generation("table:t" + t);
        for (int i = 0; i < 300; i++) {
            assertThat(reads.get(i).entry()).containsExactly((byte) i);
            assertThat(reads.get(i).generations()).containsExactly(bumped[4], i % 7 < 4 ? bumped[i % 7] : created[i % 7]);
        }
        for (int t = 4; t < 7; t++)
            assertThat(created[t]).as("created at the clock").isGreaterThan(1L << 50);
        Read one = backend.read("items", "items:0:k5", List.of("table:t5", "table:t1", "region:items"));
        assertThat(one.generations()).containsExactly(created[5], bumped[1], bumped[4]);
        assertThat(one.entry()).containsExactly((byte) 5);
        assertThat(backend.delete("items", "items:0:k5")).isTrue();
        assertThat(backend.get("items", "items:0:k5")).isNull();
    }

    @Test
    void aCheckedStoreComparesCountersInTheEntrysSlotAndInOthers() throws Exception {
        RedisCacheBackend backend = backend(cluster);
        awaitWorking("the backend's first read", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.get("items", "items:0:probe"));
        String key = "items:0:checked";
        List<String> counters = countersInOtherSlots(3, SlotHash.getSlot(prefix + key));
        long[] zero = {0, 0, 0};
        assertThat(backend.putIfGenerations("items", key, new byte[] {1}, Duration.ofMinutes(1), counters, zero))
            .as("counters that do not exist match nothing").isFalse();
        long[] read = backend.read("items", key, counters).generations();   // creates them
        assertThat(backend.putIfGenerations("items", key, new byte[] {1}, Duration.ofMinutes(1), counters, read)).isTrue();
        assertThat(backend.get("items", key)).containsExactly(1);
        for (String moved : counters) {
            backend.incrementGeneration(moved);
            long[] expected = new long[counters.size()];
            for (int i = 0; i < expected.length; i++)
                expected[i] = backend.generation(counters.get(i));
            expected[counters.indexOf(moved)]--;   // one counter moved since the caller read it
            assertThat(backend.putIfGenerations("items", key, new byte[] {2}, Duration.ofMinutes(1), counters, expected))
                .as("a store after " + moved + " moved").isFalse();
        }
        assertThat(backend.get("items", key)).as("no refused store wrote").containsExactly(1);
        assertThatThrownBy(() -> RedisCacheBackend.clusterBuilder(List.of(cluster.seed(0) + "/2")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only database 0");
        assertThatThrownBy(() -> RedisCacheBackend.clusterBuilder(List.of(cluster.seed(0), cluster.seed(0))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("given twice");
        assertThat(backend.describe()).startsWith("cluster redis://127.0.0.1:");
    }

    @Test
    void changeMessagesOfEveryMasterReachAWatcher() throws Exception {
        RedisCacheBackend writer = backend(cluster);
        RedisCacheBackend listener = backend(cluster);
        List<String> heard = new CopyOnWriteArrayList<>();
        AtomicBoolean live = new AtomicBoolean();
        listener.watch(new CacheBackend.Watcher() {
            @Override
            public void generationChanged(String counter, long value) {
                heard.add(counter + "=" + value);
            }

            @Override
            public void entryChanged(String key) {
                heard.add("entry " + key);
            }

            @Override
            public void connectionChanged(boolean isLive) {
                live.set(isLive);
            }
        });
        Eventually.await("subscribed", Duration.ofSeconds(15), live::get);
        awaitWorking("the writer's first read", Duration.ofSeconds(15), CacheBackendException.class, () -> writer.get("items", "items:0:probe"));
        List<String> counters = countersInOtherSlots(6, -1);   // six slots: every master holds some, most likely
        long[] values = writer.incrementGenerations(counters);
        writer.delete("items", "items:0:gone");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < counters.size(); i++)
            expected.add(counters.get(i) + "=" + values[i]);
        expected.add("entry items:0:gone");
        Eventually.await(expected.size() + " messages heard", Duration.ofSeconds(10), () -> heard.size() >= expected.size(),
            () -> heard);
        assertThat(heard).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void sixtyFourThreadsInTwoProcessesOnAColdKeyRunTheQueryOnce() throws Exception {
        List<CachingDSL> processes = List.of(process(cluster), process(cluster));

        ColdKey.runsOnce(db, processes, "cold", c -> read(c, 7, "cold", 0.5));
    }

    @Test
    void aWriteOrAnInvalidationInOneProcessIsSeenByTheOther() throws Exception {
        CachingDSL one = process(cluster);
        CachingDSL two = process(cluster);
        assertThat(read(two, 8, "w", 0).getValues(NAME)).containsExactly("item 8");
        assertThat(read(two, 8, "w", 0).getValues(NAME)).containsExactly("item 8");
        assertThat(db.executions("w")).isEqualTo(1);

        one.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(8)).execute();
        assertThat(read(two, 8, "w", 0).getValues(NAME)).as("the write's table counter moved").containsExactly("renamed");
        assertThat(read(two, 8, "w", 0).getValues(NAME)).containsExactly("renamed");
        assertThat(db.executions("w")).isEqualTo(2);

        one.invalidate("items");
        assertThat(read(two, 8, "w", 0).getValues(NAME)).containsExactly("renamed");
        assertThat(db.executions("w")).as("the region's generation moved").isEqualTo(3);
        assertThat(one.stats("items").backendErrors() + two.stats("items").backendErrors()).isZero();
    }

    /**
     * On a cluster of its own: a master is killed while eight threads read forty keys. Every read
     * needs its region's counters, so the master killed is one that holds none of them (the prefix
     * is chosen so that one exists); the circuit breaker is set out of the way, so that what is
     * seen is the cluster's share, not the breaker's.
     */
    /**
     * A master of {@code own} that holds none of the region's generation counters, to kill: the key
     * prefix is changed until there is one. (A master holding a counter takes the whole region with it.)
     */
    private int victimHoldingNoCounter(RedisClusterProcesses own) {
        Set<String> counters = ConcurrentHashMap.newKeySet();
        CachingDSL learner = CachingDSL.wrap(db.dsl, regions, new ForwardingCacheBackend(backend(own)) {
            @Override
            public Read read(String region, String key, List<String> names) {
                counters.addAll(names);
                return super.read(region, key, names);
            }
        });
        closeLater.add(learner);
        read(learner, 1, "learn", 0);
        assertThat(counters).as("a read's counters").isNotEmpty();
        String base = prefix;
        for (int attempt = 0; ; attempt++) {
            prefix = base + "k" + attempt + ":";
            Set<Integer> holders = new HashSet<>();
            for (String c : counters)
                holders.add(own.masterOf(SlotHash.getSlot(prefix + "gen:" + c)));
            for (int m = own.size() - 1; m >= 0; m--)
                if (!holders.contains(m))
                    return m;
        }
    }

    @Test
    void aMasterKilledMidRunCostsOnlyItsShareAndNoCallerGetsAWrongRow() throws Exception {
        try (RedisClusterProcesses own = RedisClusterProcesses.start(3)) {
            int victim = victimHoldingNoCounter(own);
            CachingDSL cached = CachingDSL.builder(db.dsl, regions).backend(backend(own))
                .circuitBreaker(Integer.MAX_VALUE, Duration.ofSeconds(1)).build();
            closeLater.add(cached);
            int keys = 40;
            for (int id = 1; id <= keys; id++)
                assertThat(read(cached, id, "k" + id, 0).getValues(NAME)).containsExactly("item " + id);
            try (Readers readers = new Readers(8, keys, id -> read(cached, id, "k" + id, 0).getValues(NAME), id -> List.of("item " + id))) {
                readers.awaitMore(400);
                own.kill(victim);
                readers.awaitMore(1_000);
            }
            RegionStats before = cached.stats("items");
            assertThat(before.backendErrors()).as("reads that met the killed master").isPositive();
            for (int id = 1; id <= keys; id++)
                assertThat(read(cached, id, "k" + id, 0).getValues(NAME)).containsExactly("item " + id);
            RegionStats after = cached.stats("items");
            assertThat(after.hits() - before.hits()).as("the survivors' share still hits").isPositive();
            assertThat(after.backendErrors() - before.backendErrors()).as("the killed master's share fails over to PostgreSQL")
                .isPositive();
            assertThat(after.hits() - before.hits() + after.backendErrors() - before.backendErrors()).isGreaterThanOrEqualTo(keys);
        }
    }

    /** What sequential reads of every key saw after a master was killed, by where each key's entry lives. */
    private record AfterKill(int survivorReads, long survivorHits, long survivorErrors, int victimReads, long victimErrors,
                             int victimCallsThatReachedRedis, List<String> opened, io.shardcache.query.Health health) {
    }

    /**
     * Fills {@code keys} entries, kills {@code victim} (a master with no counter), then reads every
     * key {@code rounds} times in order, one at a time, attributing each read's stats to the master
     * its entry lives on.
     */
    private AfterKill readAfterKill(RedisClusterProcesses own, int victim, boolean perMaster, int keys, int rounds) throws Exception {
        List<String> opened = new CopyOnWriteArrayList<>();
        io.shardcache.query.spi.CacheListener circuits = new io.shardcache.query.spi.CacheListener() {
            @Override
            public void circuitOpened(String backend, Duration openFor, Throwable cause) {
                opened.add(backend);
            }
        };
        // openFor longer than the run: no probe muddles the count of calls that reached the dead master.
        RedisCacheBackend.Builder b = RedisCacheBackend.clusterBuilder(own.seeds()).keyPrefix(prefix);
        RedisCacheBackend backend = (perMaster ? b.circuitBreakerPerServer(3, Duration.ofMinutes(1), circuits) : b.noCircuitBreakerPerServer())
            .build();
        closeLater.add(backend);
        String[] lastKey = new String[1];
        int[] reachedRedis = new int[1];
        CacheBackend recording = new ForwardingCacheBackend(backend) {
            @Override
            public Read read(String region, String key, List<String> names) {
                lastKey[0] = key;
                try {
                    return super.read(region, key, names);
                } catch (io.shardcache.query.CacheBackendException e) {
                    if (!e.getMessage().contains("is not called: its circuit opened"))
                        reachedRedis[0]++;
                    throw e;
                }
            }
        };
        CachingDSL cached = CachingDSL.builder(db.dsl, regions).backend(recording)
            .circuitBreaker(3, Duration.ofMinutes(1)).listener(circuits).build();
        closeLater.add(cached);
        boolean[] onVictim = new boolean[keys + 1];
        for (int id = 1; id <= keys; id++) {
            assertThat(read(cached, id, "k" + id, 0).getValues(NAME)).containsExactly("item " + id);
            onVictim[id] = own.masterOf(SlotHash.getSlot(prefix + lastKey[0])) == victim;
        }
        for (int id = 1; id <= keys; id++)
            assertThat(read(cached, id, "k" + id, 0).getValues(NAME)).containsExactly("item " + id);
        own.kill(victim);
        reachedRedis[0] = 0;
        int survivorReads = 0, victimReads = 0;
        long survivorHits = 0, survivorErrors = 0, victimErrors = 0;
        for (int round = 0; round < rounds; round++) {
            for (int id = 1; id <= keys; id++) {
                RegionStats before = cached.stats("items");
                assertThat(read(cached, id, "k" + id, 0).getValues(NAME)).as("item %d after the kill", id).containsExactly("item " + id);
                RegionStats after = cached.stats("items");
                if (onVictim[id]) {
                    victimReads++;
                    victimErrors += after.backendErrors() - before.backendErrors();
                } else {
                    survivorReads++;
                    survivorHits += after.hits() - before.hits();
                    survivorErrors += after.backendErrors() - before.backendErrors();
                }
            }
        }
        return new AfterKill(survivorReads, survivorHits, survivorErrors, victimReads, victimErrors, reachedRedis[0], List.copyOf(opened),
            cached.health());
    }

    /**
     * Issue 16's case: one master of three killed. With a circuit per master, only the dead master's
     * circuit opens; the keys on the others hit on every read, and after three failures the dead
     * master's keys go to PostgreSQL at once. Beside it, one breaker for the whole backend (what
     * there was before) either opens for every key or never opens.
     */
    @Test
    void aMasterKilledOpensItsOwnCircuitAloneAndTheOtherMastersKeysKeepHitting() throws Exception {
        int keys = 30, rounds = 4;
        AfterKill perMaster, whole;
        String victimName;
        try (RedisClusterProcesses own = RedisClusterProcesses.start(3)) {
            int victim = victimHoldingNoCounter(own);
            victimName = own.seed(victim).replace("redis://", "");
            perMaster = readAfterKill(own, victim, true, keys, rounds);
        }
        try (RedisClusterProcesses own = RedisClusterProcesses.start(3)) {
            prefix = RedisService.uniquePrefix("RedisClusterIT.whole");
            int victim = victimHoldingNoCounter(own);
            whole = readAfterKill(own, victim, false, keys, rounds);
        }
        System.out.printf("one master of 3 killed, %d keys x %d rounds: per-master circuits %s; one circuit for the backend %s%n",
            keys, rounds, perMaster, whole);
        assertThat(perMaster.victimReads()).as("some keys live on the killed master").isPositive();
        assertThat(perMaster.survivorReads()).as("some keys live on the others").isPositive();
        assertThat(perMaster.opened()).as("the circuits that opened").hasSize(1);
        assertThat(perMaster.opened().getFirst()).contains(victimName);
        assertThat(perMaster.health().status()).as("one master of three down: %s", perMaster.health())
            .isEqualTo(io.shardcache.query.Health.Status.DEGRADED);
        assertThat(perMaster.health().reasons()).as("the reasons name the dead master's open circuit alone")
            .filteredOn(r -> r.startsWith("the circuit of ")).singleElement().asString().contains(victimName);
        assertThat(perMaster.survivorHits()).as("the other masters' keys hit on every read").isEqualTo(perMaster.survivorReads());
        assertThat(perMaster.survivorErrors()).isZero();
        assertThat(perMaster.victimErrors()).as("the killed master's keys go to PostgreSQL").isEqualTo(perMaster.victimReads());
        assertThat(perMaster.victimCallsThatReachedRedis()).as("reads that met the dead master before its circuit opened")
            .isLessThanOrEqualTo(3);
        // One breaker for the whole backend either opens (and the survivors' keys stop hitting too) or,
        // when their successes keep resetting its count, never does (and every read of the dead
        // master's keys meets it, paying its failure: up to the command timeout for a master that hangs).
        assertThat(whole.survivorHits() < whole.survivorReads() || whole.victimCallsThatReachedRedis() > 3)
            .as("one breaker for the backend costs the survivors' hits or lets every read meet the dead master: %s", whole).isTrue();
    }
}
