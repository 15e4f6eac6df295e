package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.InProcessCacheBackend;
import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.CacheListener;
import io.shardcache.query.spi.RegenerationLocks;
import io.shardcache.testing.Eventually;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
    private final Flaky flaky = new Flaky();
    private final CircuitBreaker breaker = new CircuitBreaker(flaky, 3, Duration.ofSeconds(1), clock, CacheListener.NONE);

    /** An in-process backend that fails while {@code down}, and counts the calls that reach it. */
    static final class Flaky implements CacheBackend {
        final CacheBackend real = InProcessCacheBackend.create();
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicInteger calls = new AtomicInteger();
        volatile CountDownLatch hold;

        private void enter() {
            calls.incrementAndGet();
            CountDownLatch h = hold;
            if (h != null) {
                try {
                    h.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (down.get())
                throw new CacheBackendException("flaky is down");
        }

        @Override
        public byte[] get(String region, String key) {
            enter();
            return real.get(region, key);
        }

        @Override
        public void put(String region, String key, byte[] entry, Duration ttl) {
            enter();
            real.put(region, key, entry, ttl);
        }

        @Override
        public boolean delete(String region, String key) {
            enter();
            return real.delete(region, key);
        }

        @Override
        public long generation(String counter) {
            enter();
            return real.generation(counter);
        }

        @Override
        public long incrementGeneration(String counter) {
            enter();
            return real.incrementGeneration(counter);
        }

        @Override
        public RegenerationLocks locks() {
            return real.locks();
        }

        @Override
        public String describe() {
            return "flaky";
        }
    }

    private void failTimes(int n) {
        for (int i = 0; i < n; i++)
            assertThatThrownBy(() -> breaker.get("r", "k")).isInstanceOf(CacheBackendException.class);
    }

    @Test
    void opensAfterConsecutiveFailuresAndThenFailsWithoutCallingTheBackend() {
        flaky.down.set(true);
        failTimes(3);
        assertThat(flaky.calls.get()).isEqualTo(3);
        assertThatThrownBy(() -> breaker.get("r", "k")).isInstanceOf(CacheBackendException.class)
            .hasMessageContaining("flaky").hasMessageContaining("3 consecutive failures").hasMessageContaining("flaky is down");
        assertThat(flaky.calls.get()).isEqualTo(3);
    }

    @Test
    void aSuccessResetsTheCount() {
        flaky.down.set(true);
        failTimes(2);
        flaky.down.set(false);
        breaker.get("r", "k");
        flaky.down.set(true);
        failTimes(2);
        assertThat(flaky.calls.get()).as("still closed: every call reached the backend").isEqualTo(5);
    }

    @Test
    void afterOpenForOneProbeAtATimeAndASuccessCloses() throws Exception {
        flaky.down.set(true);
        failTimes(3);
        flaky.down.set(false);
        now.addAndGet(999);
        failTimes(1);
        assertThat(flaky.calls.get()).as("open for the whole second").isEqualTo(3);

        now.addAndGet(1);
        flaky.hold = new CountDownLatch(1);
        CompletableFuture<byte[]> probe = CompletableFuture.supplyAsync(() -> breaker.get("r", "k"));
        Eventually.await("the probe's call reaching the backend", Duration.ofSeconds(10), () -> flaky.calls.get() >= 4,
            () -> flaky.calls.get() + " calls");
        assertThatThrownBy(() -> breaker.get("r", "k")).as("a second caller while the probe runs")
            .isInstanceOf(CacheBackendException.class).hasMessageContaining("circuit opened");
        flaky.hold.countDown();
        flaky.hold = null;
        probe.get(10, TimeUnit.SECONDS);
        breaker.put("r", "k", new byte[] {1}, Duration.ofMinutes(1));
        assertThat(breaker.get("r", "k")).containsExactly(1);
        assertThat(flaky.calls.get()).isEqualTo(6);
    }

    /** A bump retry reaches the backend before openFor has passed, and its success closes the circuit for every caller. */
    @Test
    void incrementGenerationsNowCallsTheBackendWhileOpenAndItsSuccessCloses() {
        flaky.down.set(true);
        failTimes(3);
        assertThatThrownBy(() -> breaker.incrementGenerationsNow(java.util.List.of("c"))).isInstanceOf(CacheBackendException.class)
            .hasMessageContaining("flaky is down");
        assertThat(flaky.calls.get()).as("called although the circuit is open").isEqualTo(4);
        assertThat(breaker.state().open()).isTrue();

        flaky.down.set(false);
        now.addAndGet(10);   // far less than openFor
        long value = breaker.incrementGenerationsNow(java.util.List.of("c"))[0];
        assertThat(value).isPositive();
        assertThat(breaker.state().open()).as("closed by the probe").isFalse();
        breaker.get("r", "k");
        assertThat(flaky.calls.get()).as("an ordinary call goes through at once").isEqualTo(6);
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new CircuitBreaker(flaky, 0, Duration.ofSeconds(1), clock, CacheListener.NONE))
            .hasMessageContaining("at least 1, got 0");
        assertThatThrownBy(() -> new CircuitBreaker(flaky, 1, Duration.ZERO, clock, CacheListener.NONE))
            .hasMessageContaining("openFor must be positive");
    }
}
