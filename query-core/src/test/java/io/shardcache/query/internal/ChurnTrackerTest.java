package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CacheKey;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ChurnTrackerTest {

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final ChurnTracker churn = new ChurnTracker(now::get);
    final CacheKey key = new EngineKey("r", "", "abc", new byte[0], () -> "k");

    private boolean bypassing() {
        return churn.bypassing("abc");
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aCheapKeyOutdatedTwiceWithoutHitsIsBypassedFor500MsThenTwiceAsLongEachTime() {
        churn.outdated(key);
        churn.queried(key, Duration.ofMillis(2));
        churn.read(key, Duration.ofMillis(5).toNanos());   // the cache costs it more than its query
        assertThat(bypassing()).isFalse();
        churn.outdated(key);
        assertThat(bypassing()).isTrue();
        advance(Duration.ofMillis(499));
        assertThat(bypassing()).isTrue();
        advance(Duration.ofMillis(1));
        assertThat(bypassing()).as("500 ms later the cache is tried again").isFalse();

        churn.outdated(key);
        churn.outdated(key);
        advance(Duration.ofMillis(999));
        assertThat(bypassing()).isTrue();
        advance(Duration.ofMillis(1));
        assertThat(bypassing()).isFalse();
        for (int round = 0; round < 10; round++) {
            churn.outdated(key);
            churn.outdated(key);
            assertThat(bypassing()).isTrue();
            advance(ChurnTracker.LONGEST_BYPASS);
            assertThat(bypassing()).as("never longer than 5 s").isFalse();
        }
    }

    @Test
    void fiveHitsPerOutdatedEntryKeepTheKeyCachedAndItIsForgottenWhenItsScoreIsZero() {
        churn.queried(key, Duration.ofMillis(1));
        for (int i = 0; i < 100; i++) {
            churn.outdated(key);
            churn.queried(key, Duration.ofMillis(1));
            churn.read(key, Duration.ofMillis(30).toNanos());
            for (int h = 0; h < 5; h++)
                churn.served(key);
            assertThat(bypassing()).isFalse();
        }
        assertThat(churn.size()).isZero();

        churn.outdated(key);
        churn.queried(key, Duration.ofMillis(1));
        churn.read(key, Duration.ofMillis(30).toNanos());
        for (int i = 0; i < 100 && !bypassing(); i++) {   // one hit per outdated entry: it churns
            churn.outdated(key);
            churn.served(key);
        }
        assertThat(bypassing()).isTrue();
    }

    @Test
    void aKeyWhoseReadsThroughTheCacheAreFasterThanItsQueryKeepsItsCacheHoweverMuchItChurns() {
        churn.queried(key, Duration.ofMillis(3));
        for (int i = 0; i < 50; i++) {
            churn.read(key, Duration.ofMillis(1).toNanos());
            churn.outdated(key);
        }
        assertThat(bypassing()).isFalse();
        for (int i = 0; i < 30; i++)   // the cache path slows down (locks, waits): the average passes the query's 3 ms
            churn.read(key, Duration.ofMillis(20).toNanos());
        churn.outdated(key);
        assertThat(bypassing()).isTrue();
    }

    @Test
    void aCostlyQueryKeepsItsCacheHoweverMuchItChurns() {
        churn.queried(key, ChurnTracker.CHEAP);
        churn.read(key, Duration.ofSeconds(1).toNanos());
        for (int i = 0; i < 50; i++) {
            churn.outdated(key);
            churn.queried(key, ChurnTracker.CHEAP);
        }
        assertThat(bypassing()).isFalse();
        churn.queried(key, ChurnTracker.CHEAP.minusNanos(1));
        churn.outdated(key);
        assertThat(bypassing()).isTrue();
    }

    @Test
    void otherKeysAreUntouched() {
        churn.queried(key, Duration.ZERO);
        churn.read(key, 1);
        for (int i = 0; i < 5; i++)
            churn.outdated(key);
        assertThat(bypassing()).isTrue();
        assertThat(churn.bypassing("other")).isFalse();
        assertThat(new ChurnTracker(now::get).bypassing("abc")).as("another region's tracker").isFalse();
    }
}
