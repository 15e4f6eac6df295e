package io.shardcache.redis;

import static io.shardcache.testing.Eventually.awaitWorking;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.CacheBackend.Read;
import io.shardcache.query.spi.CacheBackend.ReadRequest;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Generation counters read with their entry, entries stored only if their counters did not move,
 * and the change messages that watchers in other processes hear, against a real Redis. Two
 * {@link RedisCacheBackend} instances stand for two processes.
 */
@ExtendWith(ServicesExtension.class)
class RedisGenerationsIT {

    private RedisService redis;
    private String prefix;
    private RawRedis raw;
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private final List<String> otherPrefixes = new ArrayList<>();

    @BeforeEach
    void setUp(RedisService redis, TestInfo test) {
        this.redis = redis;
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.raw = new RawRedis(redis);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLater.reversed())
            c.close();
        raw.deleteAll(prefix);
        for (String p : otherPrefixes)
            raw.deleteAll(p);
        raw.close();
    }

    private RedisCacheBackend backend() {
        return backend(redis.uri(), prefix);
    }

    private RedisCacheBackend backend(String uri, String keyPrefix) {
        return closeLater(RedisCacheBackend.builder(uri).keyPrefix(keyPrefix).build());
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeLater.add(c);
        return c;
    }

    @Test
    void readReturnsTheCountersInTheOrderAskedAndTheEntry() {
        RedisCacheBackend backend = backend();
        atBase("region:items", "table:items");
        backend.incrementGenerations(List.of("region:items", "table:items", "table:items"));
        backend.put("items", "items:2:abc", new byte[] {4, 2}, Duration.ofMinutes(1));

        Read read = backend.read("items", "items:2:abc", List.of("table:items", "never", "region:items"));
        assertThat(rel(read.generations())).containsExactly(2, 0, 1);
        assertThat(read.entry()).containsExactly(4, 2);

        Read miss = backend.read("items", "items:2:missing", List.of("region:items"));
        assertThat(rel(miss.generations())).containsExactly(1);
        assertThat(miss.entry()).isNull();
        assertThat(backend.read("items", "items:2:abc", List.of()).entry()).as("no counters at all").containsExactly(4, 2);
    }

    @Test
    void readAllAnswersEachRequestWithItsOwnCountersAndEntry() {
        RedisCacheBackend backend = backend();
        atBase("region:items", "table:items", "table:other");
        backend.incrementGenerations(List.of("region:items", "table:items", "table:items", "table:other"));
        backend.put("items", "items:1:a", new byte[] {1}, Duration.ofMinutes(1));
        backend.put("other", "other:0:b", new byte[] {2}, Duration.ofMinutes(1));

        List<Read> reads = backend.readAll(List.of(
            new ReadRequest("items", "items:1:a", List.of("region:items", "table:items")),
            new ReadRequest("items", "items:1:missing", List.of("table:items", "region:items")),
            new ReadRequest("other", "other:0:b", List.of("table:other", "never")),
            new ReadRequest("items", "items:1:a", List.of())));
        assertThat(reads).hasSize(4);
        assertThat(rel(reads.get(0).generations())).containsExactly(1, 2);
        assertThat(reads.get(0).entry()).containsExactly(1);
        assertThat(rel(reads.get(1).generations())).as("the same counters, asked in another order").containsExactly(2, 1);
        assertThat(reads.get(1).entry()).isNull();
        assertThat(rel(reads.get(2).generations())).containsExactly(1, 0);
        assertThat(reads.get(2).entry()).containsExactly(2);
        assertThat(reads.get(3).generations()).isEmpty();
        assertThat(reads.get(3).entry()).as("an entry asked twice").containsExactly(1);
        assertThat(backend.readAll(List.of())).isEmpty();
    }

    /** On a server of this test's own, whose command statistics nobody else moves. */
    @Test
    void aReadIsOneMgetAndScriptsAreSentInFullOncePerServer() throws Exception {
        KillableRedis own = closeLater(KillableRedis.start());
        RawRedis ownRaw = closeLater(new RawRedis(own.service()));
        RedisCacheBackend backend = backend(own.uri(), prefix);
        awaitWorking("the backend's first read", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.get("items", "items:0:k"));
        // Counters that exist, as after their first read (a read that finds one missing creates it:
        // aCounterReadBeforeItExistsIsCreatedAtTheClockAndALostOneComesBackHigher).
        for (String c : List.of("region:items", "soft:items", "table:items", "table:other", "region:other", "soft:other"))
            ownRaw.commands().set(prefix + "gen:" + c, "5");

        long mgets = calls(ownRaw, "mget");
        long gets = calls(ownRaw, "get");
        Read read = backend.read("items", "items:0:k", List.of("region:items", "soft:items", "table:items"));
        assertThat(read.generations()).containsExactly(5, 5, 5);
        assertThat(calls(ownRaw, "mget") - mgets).as("MGETs for one read of three counters and an entry").isEqualTo(1);
        assertThat(calls(ownRaw, "get") - gets).as("GETs for that read").isZero();
        List<Read> batch = backend.readAll(List.of(
            new ReadRequest("items", "items:0:k", List.of("region:items", "soft:items", "table:items")),
            new ReadRequest("items", "items:0:j", List.of("region:items", "soft:items", "table:other")),
            new ReadRequest("other", "other:0:k", List.of("region:other", "soft:other"))));
        assertThat(batch).hasSize(3);
        assertThat(calls(ownRaw, "mget") - mgets).as("MGETs after a batch of three reads").isEqualTo(2);
        assertThat(calls(ownRaw, "get") - gets).as("GETs for the batch").isZero();
        List<ReadRequest> large = new ArrayList<>();
        for (int i = 0; i < RedisCacheBackend.MGET_KEYS; i++)   // one shared counter and 256 entries: 257 keys
            large.add(new ReadRequest("items", "items:0:large" + i, List.of("region:items")));
        backend.put("items", "items:0:large255", new byte[] {9}, Duration.ofMinutes(1));
        List<Read> largeReads = backend.readAll(large);
        assertThat(calls(ownRaw, "mget") - mgets).as("MGETs after a batch of 257 keys").isEqualTo(4);
        assertThat(largeReads.get(255).entry()).as("the entry read in the second MGET").containsExactly(9);
        assertThat(largeReads.get(0).entry()).isNull();
        assertThat(largeReads).allSatisfy(r -> assertThat(r.generations()).containsExactly(5));

        // A fresh server has no script cached: the first EVALSHA gets NOSCRIPT and the text follows, once.
        long evals = calls(ownRaw, "eval");
        assertThat(backend.putIfGenerations("items", "items:0:k", new byte[] {1}, Duration.ofMinutes(1),
            List.of("region:items"), new long[] {5})).isTrue();
        assertThat(calls(ownRaw, "eval") - evals).as("EVALs for the first put").isEqualTo(1);
        long evalshas = calls(ownRaw, "evalsha");
        assertThat(backend.putIfGenerations("items", "items:0:k", new byte[] {2}, Duration.ofMinutes(1),
            List.of("region:items"), new long[] {5})).isTrue();
        assertThat(calls(ownRaw, "eval") - evals).as("EVALs after the second put").isEqualTo(1);
        assertThat(calls(ownRaw, "evalsha") - evalshas).as("EVALSHAs for the second put").isEqualTo(1);
        assertThat(backend.get("items", "items:0:k")).containsExactly(2);

        // A restart forgets every script (and key); the backend sends each again by itself.
        own.kill();
        own.launch();
        awaitWorking("an increment after the restart", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.incrementGeneration("region:items"));
        long evalsAfterRestart = calls(ownRaw, "eval");
        assertThat(evalsAfterRestart).as("EVALs for the first increment after the restart").isEqualTo(1);
        long[] values = backend.incrementGenerations(List.of("region:items", "soft:items"));
        assertThat(backend.putIfGenerations("items", "items:1:k", new byte[] {3}, Duration.ofMinutes(1),
            List.of("region:items", "soft:items"), values)).isTrue();
        assertThat(backend.delete("items", "items:1:k")).isTrue();
        assertThat(calls(ownRaw, "eval") - evalsAfterRestart).as("EVALs for the other two scripts, none for the increment").isEqualTo(2);
    }

    /** How many times {@code command} ran on the server, from {@code INFO commandstats}. */
    private static long calls(RawRedis raw, String command) {
        Matcher m = Pattern.compile("(?m)^cmdstat_" + command + ":calls=(\\d+)").matcher(raw.commands().info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void putIfGenerationsStoresWhileEveryCounterHoldsItsExpectedValueAndNothingOnceOneMoved() {
        RedisCacheBackend backend = backend();
        RedisCacheBackend other = backend();
        atBase("region:items");
        backend.incrementGeneration("region:items");
        List<String> counters = List.of("region:items", "table:items");   // table:items was never incremented

        assertThat(backend.putIfGenerations("items", "items:1:fresh", new byte[] {1}, Duration.ofSeconds(90), counters, new long[] {BASE + 1, 0}))
            .as("a counter that does not exist matches nothing, not even 0").isFalse();
        long untouched = backend.generation("table:items");   // created by this read, at the clock
        assertThat(backend.putIfGenerations("items", "items:1:fresh", new byte[] {1}, Duration.ofSeconds(90), counters,
            new long[] {BASE + 1, untouched})).as("both counters as expected").isTrue();
        assertThat(backend.get("items", "items:1:fresh")).containsExactly(1);
        assertThat(raw.commands().pttl(prefix + "items:1:fresh")).as("the hard TTL").isBetween(80_000L, 90_000L);

        long table = other.incrementGeneration("table:items");   // a write commits in another process
        assertThat(backend.putIfGenerations("items", "items:1:stale", new byte[] {2}, Duration.ofSeconds(90), counters,
            new long[] {BASE + 1, untouched})).as("the never-incremented counter moved").isFalse();
        assertThat(raw.commands().exists(prefix + "items:1:stale")).as("stored nothing").isZero();

        other.incrementGeneration("region:items");
        assertThat(backend.putIfGenerations("items", "items:1:fresh", new byte[] {3}, Duration.ofSeconds(90), counters, new long[] {BASE + 1, table}))
            .as("the first counter moved").isFalse();
        assertThat(backend.get("items", "items:1:fresh")).as("the entry already there is untouched").containsExactly(1);

        assertThat(backend.putIfGenerations("items", "items:1:fresh", new byte[] {4}, Duration.ofMillis(1500), counters, new long[] {BASE + 2, table}))
            .isTrue();
        assertThat(backend.get("items", "items:1:fresh")).containsExactly(4);
        assertThat(raw.commands().pttl(prefix + "items:1:fresh")).as("a store replaces the TTL").isBetween(1L, 1500L);
    }

    @Test
    void putIfGenerationsChecksItsArguments() {
        RedisCacheBackend backend = backend();
        assertThatThrownBy(() -> backend.putIfGenerations("items", "items:0:k", new byte[] {1}, Duration.ofMinutes(1),
            List.of("region:items", "table:items"), new long[] {0}))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("2 counters")
            .hasMessageContaining("1 expected values");
        assertThatThrownBy(() -> backend.putIfGenerations("items", "items:0:k", new byte[] {1}, Duration.ZERO,
            List.of("region:items"), new long[] {0}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeToLive");
        assertThat(raw.commands().exists(prefix + "items:0:k")).isZero();
    }

    /**
     * A counter value above the clock (in microseconds, until about 2096): from there an increment
     * adds exactly one, as {@link #rel} shows it. {@link #aCounterLostOrRolledBackNeverRepeatsAValue}
     * shows the clock's part.
     */
    private static final long BASE = 4_000_000_000_000_000L;

    private void atBase(String... counters) {
        for (String c : counters)
            raw.commands().set(prefix + "gen:" + c, String.valueOf(BASE));
    }

    /** Values relative to {@link #BASE}; a counter below it (created at the clock by the read) shows as 0. */
    private static long[] rel(long[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++)
            out[i] = values[i] < BASE ? 0 : values[i] - BASE;
        return out;
    }

    private static long micros() {
        return java.time.temporal.ChronoUnit.MICROS.between(java.time.Instant.EPOCH, java.time.Instant.now());
    }

    /**
     * A read that finds counters missing creates them at the server's clock, in one more call; from
     * then on they read the same. A counter lost after that (deleted here, as a restart or eviction
     * would) comes back at a later clock value, never at one an entry could have recorded.
     */
    @Test
    void aCounterReadBeforeItExistsIsCreatedAtTheClockAndALostOneComesBackHigher() {
        RedisCacheBackend backend = backend();
        long before = micros();
        long[] created = backend.read("items", "items:0:x", List.of("table:new1", "table:new2")).generations();
        assertThat(created[0]).isBetween(before - 60_000_000L, micros() + 60_000_000L).isEqualTo(created[1]);
        assertThat(backend.read("items", "items:0:x", List.of("table:new1", "table:new2")).generations()).containsExactly(created);
        assertThat(backend.readAll(List.of(new ReadRequest("items", "items:0:x", List.of("table:new2")))).getFirst().generations())
            .containsExactly(created[1]);

        raw.commands().del(prefix + "gen:table:new1");
        long[] after = backend.readAll(List.of(new ReadRequest("items", "items:0:x", List.of("table:new1", "table:new2"))))
            .getFirst().generations();
        assertThat(after[0]).as("the lost counter, created again").isGreaterThan(created[0]);
        assertThat(after[1]).isEqualTo(created[1]);
        assertThat(backend.putIfGenerations("items", "items:0:x", new byte[] {1}, Duration.ofMinutes(1),
            List.of("table:new1"), new long[] {created[0]})).as("a store expecting the lost value").isFalse();
        raw.commands().del(prefix + "gen:table:new1");
        assertThat(backend.putIfGenerations("items", "items:0:x", new byte[] {1}, Duration.ofMinutes(1),
            List.of("table:new1"), new long[] {after[0]})).as("a store whose counter vanished since it was read").isFalse();
        assertThat(backend.countersRepaired()).isZero();
    }

    /** Heard events with counter values relative to {@link #BASE}. */
    private static List<String> rel(List<String> events) {
        return events.stream().map(e -> {
            int eq = e.lastIndexOf('=');
            return e.startsWith("G ") && eq > 0 ? e.substring(0, eq + 1) + (Long.parseLong(e.substring(eq + 1)) - BASE) : e;
        }).toList();
    }

    @Test
    void aCounterLostOrRolledBackNeverRepeatsAValue() throws Exception {
        KillableRedis own = closeLater(KillableRedis.start());
        RedisCacheBackend backend = backend(own.uri(), prefix);
        RawRedis ownRaw = closeLater(new RawRedis(own.service()));
        awaitWorking("the backend's first read", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.generation("table:t"));
        long first = backend.incrementGeneration("table:t");
        long last = first;
        for (int i = 0; i < 2_000; i++) {
            long next = backend.incrementGeneration("table:t");
            assertThat(next).isGreaterThan(last);
            last = next;
        }

        // Rolled back (a failover to a replica that missed the last increments, a restore): the next value is still new.
        ownRaw.commands().set(prefix + "gen:table:t", String.valueOf(first));
        long afterRollback = backend.incrementGeneration("table:t");
        assertThat(afterRollback).as("the first value after a rollback").isGreaterThan(last);
        last = afterRollback;

        own.kill();   // lost: an entry elsewhere (another server of a ring) may have recorded any value up to last
        own.launch();
        awaitWorking("a read after the restart", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.generation("table:t"));
        long recreated = backend.generation("table:t");
        assertThat(recreated).as("read after the loss: created again at the clock").isGreaterThan(last);
        assertThat(backend.incrementGeneration("table:t")).as("the first value after the loss").isGreaterThan(recreated);
    }

    @Test
    void incrementGenerationsReturnsTheNewValuesInOrder() {
        RedisCacheBackend backend = backend();
        atBase("table:a", "table:b", "table:c");
        assertThat(backend.incrementGeneration("table:b") - BASE).isEqualTo(1);
        assertThat(rel(backend.incrementGenerations(List.of("table:a", "table:b", "table:c")))).containsExactly(1, 2, 1);
        assertThat(rel(backend.incrementGenerations(List.of("table:b", "table:a")))).containsExactly(3, 2);
        assertThat(backend.incrementGenerations(List.of())).isEmpty();
        assertThat(rel(backend.read("items", "items:0:k", List.of("table:a", "table:b", "table:c")).generations())).containsExactly(2, 3, 1);
        assertThat(raw.commands().get(prefix + "gen:table:b")).isEqualTo(String.valueOf(BASE + 3));
    }

    @Test
    void aCounterThatIsNotAnIntegerIsRepairedToTheClockByAReadOrABump() {
        RedisCacheBackend backend = backend();
        atBase("table:fine");
        raw.commands().set(prefix + "gen:table:broken", "not-a-number");
        long before = micros();
        long[] read = backend.read("items", "items:0:k", List.of("table:fine", "table:broken")).generations();
        assertThat(rel(read)[0]).isZero();
        assertThat(read[0]).isEqualTo(BASE);
        assertThat(read[1]).as("repaired to the clock").isBetween(before - 60_000_000L, micros() + 60_000_000L);
        assertThat(raw.commands().get(prefix + "gen:table:broken")).isEqualTo(Long.toString(read[1]));
        assertThat(backend.countersRepaired()).isEqualTo(1);

        raw.commands().set(prefix + "gen:table:broken", "12x");
        long bumped = backend.incrementGenerations(List.of("table:broken"))[0];
        assertThat(bumped).isGreaterThan(read[1]);
        assertThat(backend.countersRepaired()).isEqualTo(2);
    }

    /**
     * B hears what A does, in order, with values; a backend under another prefix is not heard (had
     * it been, its message would show up before A's later ones: Redis delivers in publish order).
     */
    @Test
    void aWatcherHearsIncrementsDeletesAndRewritesMadeByAnotherProcessInOrder() throws Exception {
        RedisCacheBackend a = backend();
        RedisCacheBackend b = backend();
        String elsewherePrefix = RedisService.uniquePrefix("RedisGenerationsIT.elsewhere");
        otherPrefixes.add(elsewherePrefix);
        RedisCacheBackend elsewhere = backend(redis.uri(), elsewherePrefix);
        Recorder heard = new Recorder();
        assertThat(b.watch(heard)).isTrue();
        heard.await(1);
        assertThat(heard.events()).containsExactly("live");

        atBase("table:items", "region:items");
        a.put("items", "items:1:k", new byte[] {1}, Duration.ofMinutes(1));
        assertThat(rel(a.incrementGenerations(List.of("table:items", "region:items")))).containsExactly(1, 1);
        elsewhere.incrementGeneration("table:items");
        elsewhere.delete("items", "items:1:k");
        assertThat(a.delete("items", "items:1:k")).isTrue();
        assertThat(a.delete("items", "items:1:gone")).isFalse();
        a.incrementGeneration("table:items");
        a.announceEntryChanged("items", "items:2:rewritten");

        heard.await(7);
        assertThat(rel(heard.events())).containsExactly("live", "G table:items=1", "G region:items=1", "E items:1:k",
            "E items:1:gone", "G table:items=2", "E items:2:rewritten");
        assertThat(b.get("items", "items:1:k")).isNull();

        Recorder late = new Recorder();
        b.watch(late);
        assertThat(late.events()).as("registered while live: told at once").containsExactly("live");
        a.incrementGeneration("table:items");
        late.await(2);
        heard.await(8);
        assertThat(rel(late.events())).containsExactly("live", "G table:items=3");
        assertThat(rel(heard.events())).endsWith("G table:items=3");
    }

    @Test
    void aWatcherIsToldWhenTheConnectionDropsAndWhenItIsBackAndHearsAgain() throws Exception {
        RedisCacheBackend a = backend();
        try (TcpProxy proxy = new TcpProxy(TcpProxy.freePort(), redis.host(), redis.port())) {
            proxy.start();
            RedisCacheBackend b = backend(viaProxy(proxy), prefix);
            Recorder heard = new Recorder();
            b.watch(heard);
            heard.await(1);
            atBase("table:items");
            a.incrementGeneration("table:items");
            heard.await(2);

            proxy.stop();
            heard.await(3);
            assertThat(rel(heard.events())).containsExactly("live", "G table:items=1", "down");
            a.incrementGeneration("table:items");   // published while B cannot hear: lost, hence "down"

            proxy.start();
            heard.await(4);
            a.incrementGeneration("table:items");
            a.delete("items", "items:0:k");
            heard.await(6);
            assertThat(rel(heard.events())).containsExactly("live", "G table:items=1", "down", "live", "G table:items=3", "E items:0:k");

            b.close();
            assertThat(heard.events()).as("closing ends the notifications").endsWith("down").hasSize(7);
        }
    }

    @Test
    void watchingWhileRedisIsDownReturnsAtOnceAndGoesLiveWhenItComesUp() throws Exception {
        RedisCacheBackend a = backend();
        try (TcpProxy proxy = new TcpProxy(TcpProxy.freePort(), redis.host(), redis.port())) {
            RedisCacheBackend b = backend(viaProxy(proxy), prefix);
            Recorder heard = new Recorder();
            long start = System.nanoTime();
            assertThat(b.watch(heard)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("watch on a down Redis").isLessThan(Duration.ofMillis(500));
            assertThat(heard.events()).as("not live while Redis is down").isEmpty();

            proxy.start();
            heard.await(1);
            atBase("table:items");
            a.incrementGenerations(List.of("table:items"));
            heard.await(2);
            assertThat(rel(heard.events())).containsExactly("live", "G table:items=1");
        }
    }

    private String viaProxy(TcpProxy proxy) {
        return new RedisService(redis.source(), "127.0.0.1", proxy.port(), redis.user(), redis.password()).uri();
    }
}
