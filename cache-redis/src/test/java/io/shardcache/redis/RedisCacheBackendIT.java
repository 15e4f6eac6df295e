package io.shardcache.redis;

import static io.shardcache.testing.Eventually.awaitWorking;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.RegenerationLocks.Lease;
import io.shardcache.testing.Eventually;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/** The backend's storage commands against a real Redis, and its behaviour while Redis is down. */
@ExtendWith(ServicesExtension.class)
class RedisCacheBackendIT {

    private RedisService redis;
    private String prefix;
    private RawRedis raw;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

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
        raw.close();
    }

    private RedisCacheBackend backend() {
        return backend(prefix);
    }

    private RedisCacheBackend backend(String keyPrefix) {
        return closeLater(RedisCacheBackend.builder(redis.uri()).keyPrefix(keyPrefix).build());
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeLater.add(c);
        return c;
    }

    @Test
    void putAndGetRoundTripArbitraryBytes() {
        RedisCacheBackend backend = backend();
        byte[] everyByte = new byte[256];
        for (int i = 0; i < 256; i++)
            everyByte[i] = (byte) i;
        byte[] large = new byte[300_000];
        new Random(42).nextBytes(large);

        backend.put("items", "items:0:every", everyByte, Duration.ofMinutes(1));
        backend.put("items", "items:0:large", large, Duration.ofMinutes(1));
        backend.put("items", "items:0:empty", new byte[0], Duration.ofMinutes(1));

        assertThat(backend.get("items", "items:0:every")).isEqualTo(everyByte);
        assertThat(backend.get("items", "items:0:large")).isEqualTo(large);
        assertThat(backend.get("items", "items:0:empty")).isEmpty();
        assertThat(backend.get("items", "items:0:missing")).isNull();
    }

    @Test
    void putSetsTheHardTtlOnTheRedisKey() {
        RedisCacheBackend backend = backend();
        backend.put("items", "items:0:ttl", new byte[] {1}, Duration.ofSeconds(90));
        assertThat(raw.commands().pttl(prefix + "items:0:ttl")).isBetween(80_000L, 90_000L);

        backend.put("items", "items:0:ttl", new byte[] {2}, Duration.ofMillis(1500));
        assertThat(raw.commands().pttl(prefix + "items:0:ttl")).as("a put replaces the TTL too").isBetween(1L, 1500L);
        assertThat(backend.get("items", "items:0:ttl")).containsExactly(2);

        assertThatThrownBy(() -> backend.put("items", "items:0:ttl", new byte[] {3}, Duration.ZERO))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeToLive");
    }

    @Test
    void deleteRemovesTheEntryAndSaysWhetherOneWasThere() {
        RedisCacheBackend backend = backend();
        backend.put("items", "items:0:d", new byte[] {7}, Duration.ofMinutes(1));

        assertThat(backend.delete("items", "items:0:d")).isTrue();
        assertThat(backend.get("items", "items:0:d")).isNull();
        assertThat(backend.delete("items", "items:0:d")).isFalse();
    }

    private static long micros() {
        return java.time.temporal.ChronoUnit.MICROS.between(java.time.Instant.EPOCH, java.time.Instant.now());
    }

    @Test
    void generationsStartAtTheClockAndIncrementAtomicallyAcrossBackends() throws Exception {
        RedisCacheBackend one = backend();
        RedisCacheBackend two = backend();
        long before = micros();   // the test's clock against the server's: both on this machine
        long created = one.generation("region:items");
        assertThat(created).as("a counter read before any bump is created at the server's clock in microseconds")
            .isBetween(before - 60_000_000L, micros() + 60_000_000L);
        assertThat(two.generation("region:items")).as("and reads the same from then on").isEqualTo(created);
        long first = one.incrementGeneration("region:items");
        assertThat(first).as("a bump: the server's clock in microseconds, past the created value")
            .isBetween(created + 1, micros() + 60_000_000L);
        assertThat(two.generation("region:items")).isEqualTo(first);
        Set<Long> handedOut = ConcurrentHashMap.newKeySet();

        int threads = 16;
        int each = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch gate = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            RedisCacheBackend b = t % 2 == 0 ? one : two;
            done.add(pool.submit(() -> {
                gate.await();
                for (int i = 0; i < each; i++)
                    handedOut.add(b.incrementGeneration("region:items"));
                return null;
            }));
        }
        gate.countDown();
        for (Future<?> f : done)
            f.get(30, TimeUnit.SECONDS);
        pool.shutdown();

        assertThat(handedOut).as("values handed out: each once (atomic), above the first").hasSize(threads * each)
            .allSatisfy(v -> assertThat(v).isGreaterThan(first));
        assertThat(one.generation("region:items")).isEqualTo(java.util.Collections.max(handedOut));
        assertThat(two.generation("soft:items")).as("another counter, created now").isGreaterThan(created)
            .isLessThan(java.util.Collections.max(handedOut) + 60_000_000L);
    }

    @Test
    void aCounterThatIsNotAnIntegerIsRepairedToTheClockAndCounted() {
        RedisCacheBackend backend = backend();
        raw.commands().set(prefix + "gen:region:broken", "not-a-number");
        long before = micros();
        long repaired = backend.generation("region:broken");
        assertThat(repaired).isBetween(before - 60_000_000L, micros() + 60_000_000L);
        assertThat(raw.commands().get(prefix + "gen:region:broken")).isEqualTo(Long.toString(repaired));
        assertThat(backend.countersRepaired()).isEqualTo(1);

        raw.commands().set(prefix + "gen:region:broken", "1.5");
        long bumped = backend.incrementGeneration("region:broken");
        assertThat(bumped).as("a bump repairs it too").isGreaterThan(repaired);
        assertThat(backend.countersRepaired()).isEqualTo(2);
        assertThat(backend.generation("region:broken")).isEqualTo(bumped);
        assertThat(backend.countersRepaired()).as("a sound counter is not counted").isEqualTo(2);
    }

    @Test
    void everyKeyLivesUnderThePrefix() {
        RedisCacheBackend backend = backend();
        backend.put("items", "items:0:abc", new byte[] {1}, Duration.ofMinutes(1));
        backend.incrementGeneration("region:items");
        Lease lease = backend.locks().tryAcquire("items:0:abc:lock", Duration.ofMinutes(1)).orElseThrow();

        assertThat(raw.keys(prefix)).containsExactlyInAnyOrder(
            prefix + "items:0:abc", prefix + "gen:region:items", prefix + "items:0:abc:lock");
        assertThat(raw.commands().exists("items:0:abc", "region:items", "items:0:abc:lock")).isZero();
        lease.release();
        assertThat(raw.keys(prefix)).containsExactlyInAnyOrder(prefix + "items:0:abc", prefix + "gen:region:items");
    }

    @Test
    void backendsWithDifferentPrefixesDoNotSeeEachOthersKeys() {
        String otherPrefix = RedisService.uniquePrefix("RedisCacheBackendIT.other");
        try {
            RedisCacheBackend mine = backend();
            RedisCacheBackend other = backend(otherPrefix);
            mine.put("items", "items:0:k", new byte[] {1}, Duration.ofMinutes(1));
            mine.incrementGeneration("region:items");
            Lease held = mine.locks().tryAcquire("items:0:k:lock", Duration.ofMinutes(1)).orElseThrow();

            assertThat(other.get("items", "items:0:k")).isNull();
            assertThat(other.delete("items", "items:0:k")).isFalse();
            assertThat(other.generation("region:items")).as("its own counter, created now").isNotEqualTo(mine.generation("region:items"));
            assertThat(other.locks().tryAcquire("items:0:k:lock", Duration.ofMinutes(1))).as("a different lock").isPresent();
            assertThat(mine.get("items", "items:0:k")).containsExactly(1);
            held.release();
        } finally {
            raw.deleteAll(otherPrefix);
        }
    }

    @Test
    void backendsWithTheSamePrefixShareEntries() {
        RedisCacheBackend writer = backend();
        RedisCacheBackend reader = backend();
        writer.put("items", "items:0:shared", new byte[] {4, 2}, Duration.ofMinutes(1));
        assertThat(reader.get("items", "items:0:shared")).containsExactly(4, 2);
        assertThat(reader.delete("items", "items:0:shared")).isTrue();
        assertThat(writer.get("items", "items:0:shared")).isNull();
    }

    @Test
    void aBackendOnAClosedPortIsCreatedAndEveryCallFailsFastNamingTheAddress() throws Exception {
        int port = TcpProxy.freePort();
        long start = System.nanoTime();
        RedisCacheBackend down = closeLater(RedisCacheBackend.builder("redis://127.0.0.1:" + port).keyPrefix(prefix).build());
        assertThat(down.describe()).isEqualTo("redis://127.0.0.1:" + port);

        String address = "127.0.0.1:" + port;
        assertFailsNaming(() -> down.get("items", "items:0:k"), address, "GET", prefix + "items:0:k");
        assertFailsNaming(() -> down.put("items", "items:0:k", new byte[] {1}, Duration.ofMinutes(1)), address, "SET", prefix + "items:0:k");
        assertFailsNaming(() -> down.delete("items", "items:0:k"), address, "DEL", prefix + "items:0:k");
        assertFailsNaming(() -> down.generation("region:items"), address, "GET", prefix + "gen:region:items");
        assertFailsNaming(() -> down.incrementGeneration("region:items"), address, "INCR", prefix + "gen:region:items");
        assertFailsNaming(() -> down.locks().tryAcquire("items:0:k:lock", Duration.ofSeconds(5)), address, "LOCK", prefix + "items:0:k:lock");
        assertFailsNaming(() -> down.locks().acquire("items:0:k:lock", Duration.ofSeconds(1), Duration.ofSeconds(5)), address, "LOCK", prefix + "items:0:k:lock");
        for (int i = 0; i < 20; i++)
            assertThatThrownBy(() -> down.get("items", "items:0:k")).isInstanceOf(CacheBackendException.class);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("built and failed 27 calls").isLessThan(Duration.ofSeconds(5));
        down.close();
        assertFailsNaming(() -> down.get("items", "items:0:k"), address, "GET", "closed");
    }

    private static void assertFailsNaming(ThrowingCallable call, String... parts) {
        assertThatThrownBy(call).isInstanceOf(CacheBackendException.class)
            .hasMessageContainingAll(parts)
            .hasMessageContaining("commandTimeout=200ms");
    }

    @Test
    void credentialsNeverAppearInDescriptionsOrMessages() throws Exception {
        int port = TcpProxy.freePort();
        RedisCacheBackend down = closeLater(RedisCacheBackend.builder("redis://alice:s3cret-pw@127.0.0.1:" + port).keyPrefix(prefix).build());
        assertThat(down.describe()).isEqualTo("redis://127.0.0.1:" + port);
        assertThat(down.toString()).doesNotContain("s3cret-pw");
        assertThatThrownBy(() -> down.get("items", "items:0:k")).message().doesNotContain("s3cret-pw").doesNotContain("alice");
        assertThatThrownBy(() -> down.locks().tryAcquire("k", Duration.ofSeconds(1))).message().doesNotContain("s3cret-pw");
        assertThatThrownBy(() -> RedisCacheBackend.create("redis://alice:s3cret-pw@bad_host:6379"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("redis://***@bad_host:6379")
            .message().doesNotContain("s3cret-pw");
    }

    @Test
    void aBadUriFailsAtBuildWithAMessageNamingIt() {
        for (String bad : List.of("localhost:6379", "http://127.0.0.1:6379", "redis://", "redis://127.0.0.1:99999",
                                  "redis-sentinel://127.0.0.1:26379", "redis-sentinel://127.0.0.1:26379#", "redis socket", "redis://127.0.0.1:6379/notadb")) {
            assertThatThrownBy(() -> RedisCacheBackend.builder(bad).build()).as(bad)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("redisUri")
                .hasMessageContaining("redis://");
        }
        assertThatThrownBy(() -> RedisCacheBackend.create("http://127.0.0.1:6379")).hasMessageContaining("'http://127.0.0.1:6379'");
        assertThatThrownBy(() -> RedisCacheBackend.create("redis-sentinel://alice:pw@a:26379,,b:26379#m"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty Sentinel address").message().doesNotContain(":pw@");
        assertThatThrownBy(() -> RedisCacheBackend.create("redis-sentinel://a:26379,b:26379,#m"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty Sentinel address");
        assertThatThrownBy(() -> RedisCacheBackend.sentinelBuilder("m", List.of("redis://a:26379", "redis://a:26379")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a:26379 is given twice");
        assertThatThrownBy(() -> RedisCacheBackend.sentinelBuilder("m", List.of("redis://a:26379", "redis://b:26379/2")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("database");
        assertThatThrownBy(() -> RedisCacheBackend.sentinelBuilder(" ", List.of("redis://a:26379")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("masterName");
        assertThatThrownBy(() -> RedisCacheBackend.sentinelBuilder("m", List.of()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one Sentinel");
        assertThatThrownBy(() -> RedisCacheBackend.create(" ")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
        assertThatThrownBy(() -> RedisCacheBackend.create(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("redisUri");
    }

    @Test
    void settingsMaySetOnceAndAreChecked() {
        Supplier<RedisCacheBackend.Builder> b = () -> RedisCacheBackend.builder("redis://127.0.0.1:6379");
        assertThatThrownBy(() -> b.get().commandTimeout(Duration.ofMillis(100)).commandTimeout(Duration.ofMillis(300)))
            .isInstanceOf(IllegalStateException.class).hasMessage("commandTimeout is already set to 100ms");
        assertThatThrownBy(() -> b.get().keyPrefix("a:").keyPrefix("b:"))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("'a:'");
        assertThatThrownBy(() -> b.get().requestQueueSize(8).requestQueueSize(9))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("8");
        assertThatThrownBy(() -> b.get().commandTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandTimeout");
        assertThatThrownBy(() -> b.get().requestQueueSize(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestQueueSize");
        assertThatThrownBy(() -> b.get().circuitBreakerPerServer(3, Duration.ofSeconds(1), io.shardcache.query.spi.CacheListener.NONE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("for a Redis Cluster").hasMessageContaining("one server");
        Supplier<RedisCacheBackend.Builder> cluster = () -> RedisCacheBackend.clusterBuilder(List.of("redis://127.0.0.1:7000"));
        assertThatThrownBy(() -> cluster.get().noCircuitBreakerPerServer().circuitBreakerPerServer(3, Duration.ofSeconds(1),
            io.shardcache.query.spi.CacheListener.NONE)).isInstanceOf(IllegalStateException.class).hasMessage("circuitBreakerPerServer is already set to none");
        assertThatThrownBy(() -> cluster.get().circuitBreakerPerServer(0, Duration.ofSeconds(1), io.shardcache.query.spi.CacheListener.NONE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1, got 0");
        assertThatThrownBy(() -> cluster.get().circuitBreakerPerServer(1, Duration.ZERO, io.shardcache.query.spi.CacheListener.NONE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("openFor must be positive");
        assertThatThrownBy(() -> b.get().keyPrefix("")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> b.get().commandTimeout(Duration.ofSeconds(1)).lockWatchdogTimeout(Duration.ofSeconds(2)).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("lockWatchdogTimeout 2000ms")
            .hasMessageContaining("commandTimeout 1000ms");
    }

    /**
     * Redis is down when the backend is built, comes up, goes down under a live connection, and comes
     * back: calls fail fast while it is down and work again after, with the same backend.
     */
    @Test
    void aBackendBuiltWhileRedisIsDownWorksWhenItComesUpAndAfterAnOutage() throws Exception {
        try (TcpProxy proxy = new TcpProxy(TcpProxy.freePort(), redis.host(), redis.port())) {
            String uri = new RedisService(redis.source(), "127.0.0.1", proxy.port(), redis.user(), redis.password()).uri();
            RedisCacheBackend backend = closeLater(RedisCacheBackend.builder(uri).keyPrefix(prefix).build());
            assertThatThrownBy(() -> backend.get("items", "items:0:k")).isInstanceOf(CacheBackendException.class)
                .hasMessageContaining("127.0.0.1:" + proxy.port());
            assertThatThrownBy(() -> backend.locks().tryAcquire("items:0:k:lock", Duration.ofSeconds(5)))
                .isInstanceOf(CacheBackendException.class);

            proxy.start();
            awaitWorking("a put once the proxy is up", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.put("items", "items:0:k", new byte[] {9}, Duration.ofMinutes(1)));
            assertThat(backend.get("items", "items:0:k")).containsExactly(9);
            awaitWorking("a lock once the proxy is up", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.locks().tryAcquire("items:0:k:lock", Duration.ofSeconds(5)).orElseThrow().release());

            proxy.stop();
            awaitFailing(() -> backend.get("items", "items:0:k"));
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++)
                assertThatThrownBy(() -> backend.get("items", "items:0:k")).isInstanceOf(CacheBackendException.class)
                    .hasMessageContaining("127.0.0.1:" + proxy.port());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("20 calls while down").isLessThan(Duration.ofSeconds(5));
            awaitFailing(() -> backend.locks().tryAcquire("items:0:k:lock", Duration.ofSeconds(5)).orElseThrow().release());

            proxy.start();
            awaitWorking("a read once the proxy is back", Duration.ofSeconds(15), CacheBackendException.class, () -> assertThat(backend.get("items", "items:0:k")).containsExactly(9));
            awaitWorking("a lock once the proxy is back", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.locks().tryAcquire("items:0:k:lock", Duration.ofSeconds(5)).orElseThrow().release());
        }
    }

    @Test
    void aRedisThatStopsAnsweringFailsEachCallAtTheCommandTimeout() throws Exception {
        try (TcpProxy proxy = new TcpProxy(TcpProxy.freePort(), redis.host(), redis.port())) {
            proxy.start();
            String uri = new RedisService(redis.source(), "127.0.0.1", proxy.port(), redis.user(), redis.password()).uri();
            RedisCacheBackend backend = closeLater(RedisCacheBackend.builder(uri).keyPrefix(prefix).build());
            awaitWorking("the backend's first put", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.put("items", "items:0:slow", new byte[] {5}, Duration.ofMinutes(1)));
            awaitWorking("the backend's first lock", Duration.ofSeconds(15), CacheBackendException.class, () -> backend.locks().tryAcquire("items:0:slow:lock", Duration.ofSeconds(5)).orElseThrow().release());

            proxy.pause();
            long start = System.nanoTime();
            assertThatThrownBy(() -> backend.get("items", "items:0:slow")).isInstanceOf(CacheBackendException.class)
                .hasMessageContainingAll("127.0.0.1:" + proxy.port(), "GET", prefix + "items:0:slow", "no answer within commandTimeout=200ms");
            assertThatThrownBy(() -> backend.incrementGeneration("region:items")).isInstanceOf(CacheBackendException.class)
                .hasMessageContaining("no answer within commandTimeout=200ms");
            assertThatThrownBy(() -> backend.locks().tryAcquire("items:0:slow:lock", Duration.ofSeconds(5)))
                .isInstanceOf(CacheBackendException.class)
                .hasMessageContainingAll("LOCK", prefix + "items:0:slow:lock", "commandTimeout=200ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("three calls to a stalled server").isLessThan(Duration.ofSeconds(5));

            proxy.resume();
            awaitWorking("a read once the proxy resumes", Duration.ofSeconds(15), CacheBackendException.class, () -> assertThat(backend.get("items", "items:0:slow")).containsExactly(5));
        }
    }

    /** Retries {@code call} until it throws CacheBackendException: noticing a dropped connection is asynchronous. */
    private static void awaitFailing(Eventually.Action<Exception> call) throws Exception {
        Eventually.await("a call failing once Redis went away", Duration.ofSeconds(15), () -> {
            try {
                call.run();
                return false;
            } catch (CacheBackendException expected) {
                return true;
            }
        }, failed -> failed);
    }
}
