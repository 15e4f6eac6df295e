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
        return churn.bypassing("r", "", "abc");
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aCheapKeyOutdatedThreeTimesWithoutHitsIsBypassedFor100MsThenTwiceAsLongEachTime() {
        churn.outdated(key);
        churn.queried(key, Duration.ofMillis(2));
        churn.outdated(key);
        assertThat(bypassing()).isFalse();
        churn.outdated(key);
        assertThat(bypassing()).isTrue();
        advance(Duration.ofMillis(99));
        assertThat(bypassing()).isTrue();
        advance(Duration.ofMillis(1));
        assertThat(bypassing()).as("100 ms later the cache is tried again").isFalse();

        for (int i = 0; i < 3; i++)
            churn.outdated(key);
        advance(Duration.ofMillis(199));
        assertThat(bypassing()).isTrue();
        advance(Duration.ofMillis(1));
        assertThat(bypassing()).isFalse();
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 3; i++)
                churn.outdated(key);
            assertThat(bypassing()).isTrue();
            advance(ChurnTracker.LONGEST_BYPASS);
            assertThat(bypassing()).as("never longer than 5 s").isFalse();
        }
    }

    @Test
    void twoHitsPerOutdatedEntryKeepTheKeyCachedAndItIsForgottenWhenItsScoreIsZero() {
        churn.queried(key, Duration.ofMillis(1));
        for (int i = 0; i < 100; i++) {
            churn.outdated(key);
            churn.queried(key, Duration.ofMillis(1));
            churn.served(key);
            churn.served(key);
            assertThat(bypassing()).isFalse();
        }
        assertThat(churn.size()).isZero();

        churn.outdated(key);
        churn.queried(key, Duration.ofMillis(1));
        for (int i = 0; i < 100 && !bypassing(); i++) {   // one hit per outdated entry: it churns
            churn.outdated(key);
            churn.served(key);
        }
        assertThat(bypassing()).isTrue();
    }

    @Test
    void aCostlyQueryKeepsItsCacheHoweverMuchItChurns() {
        for (int i = 0; i < 50; i++) {
            churn.outdated(key);
            churn.queried(key, ChurnTracker.CHEAP);
        }
        assertThat(bypassing()).isFalse();
        churn.queried(key, ChurnTracker.CHEAP.minusNanos(1));
        for (int i = 0; i < 3; i++)
            churn.outdated(key);
        assertThat(bypassing()).isTrue();
    }

    @Test
    void otherKeysAreUntouched() {
        churn.queried(key, Duration.ZERO);
        for (int i = 0; i < 5; i++)
            churn.outdated(key);
        assertThat(bypassing()).isTrue();
        assertThat(churn.bypassing("r", "", "other")).isFalse();
        assertThat(churn.bypassing("r", "users/5", "abc")).isFalse();
        assertThat(churn.bypassing("s", "", "abc")).isFalse();
    }
}
