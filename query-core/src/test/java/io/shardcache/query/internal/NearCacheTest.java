package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.Regions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The near cache's counter mirror: bounded, and never moved back by a read that raced a notification. */
class NearCacheTest {

    private final NearCache near = new NearCache(List.of(
        Regions.builder().region("r", r -> r.nearCache(10, Duration.ofMinutes(1))).build().get("r")));

    NearCacheTest() {
        near.connectionChanged(true);
    }

    @Test
    void notificationsOfCountersThisProcessNeverReadAreNotKept() {
        for (int i = 0; i < 200_000; i++)
            near.generationChanged("table:shard" + i + "|items", i + 1);
        assertThat(near.mirrored()).isZero();

        List<String> read = List.of("table:a", "table:b");
        near.learn(read, new long[] {5, 7}, near.ticket(read));
        near.generationChanged("table:a", 6);
        assertThat(near.known(read)).containsExactly(6, 7);
        near.generationChanged("table:b", 3);
        assertThat(near.known(read)).as("never moved back").containsExactly(6, 7);
    }

    @Test
    void aReadThatBeganBeforeADroppedNotificationDoesNotAddTheOlderValueItRead() {
        List<String> read = List.of("table:a");
        NearCache.Ticket before = near.ticket(read);
        near.generationChanged("table:a", 9);             // not held: dropped, its stripe's stamp moves
        near.learn(read, new long[] {8}, before);         // read before the bump, answered after it
        assertThat(near.known(read)).as("the older value is not added").isNull();

        near.learn(read, new long[] {9}, near.ticket(read));
        assertThat(near.known(read)).containsExactly(9);
    }

    @Test
    void theMirrorIsForgottenWholePastItsBoundAndAReadUnderWayThenAddsNothing() {
        List<String> early = List.of("table:early");
        NearCache.Ticket underWay = near.ticket(early);
        for (int from = 0; from <= NearCache.MAX_COUNTERS; from += 1_000) {
            List<String> batch = new ArrayList<>();
            for (int i = from; i < from + 1_000; i++)
                batch.add("table:" + i);
            near.learn(batch, new long[batch.size()], near.ticket(batch));
            assertThat(near.mirrored()).isLessThanOrEqualTo(NearCache.MAX_COUNTERS);
        }
        assertThat(near.mirrored()).as("forgotten once past the bound, then refilled").isLessThan(NearCache.MAX_COUNTERS);
        near.learn(early, new long[] {1}, underWay);
        assertThat(near.known(early)).as("a read that began before the mirror was forgotten").isNull();
    }

    @Test
    void theLagBoundAppliesOnceTheBackendReportsHowFarItCaughtUpAndAResetWaitsForANewReport() {
        long lag = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);
        assertThat(near.caughtUpWithin(lag)).as("a backend that never reports: no bound").isTrue();

        near.caughtUp(System.nanoTime());
        assertThat(near.caughtUpWithin(lag)).isTrue();
        near.caughtUp(System.nanoTime() - java.util.concurrent.TimeUnit.SECONDS.toNanos(5));   // an older answer arriving late
        assertThat(near.caughtUpWithin(lag)).as("a later report is not moved back").isTrue();

        NearCache stalled = new NearCache(List.of(
            Regions.builder().region("r", r -> r.nearCache(10, Duration.ofMinutes(1))).build().get("r")));
        stalled.connectionChanged(true);
        stalled.caughtUp(System.nanoTime() - java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(150));
        assertThat(stalled.caughtUpWithin(lag)).as("last caught up 150 ms ago").isFalse();

        near.connectionChanged(false);
        near.connectionChanged(true);
        assertThat(near.caughtUpWithin(lag)).as("after a reset, nothing is known to have arrived on the new connection").isFalse();
        near.caughtUp(System.nanoTime());
        assertThat(near.caughtUpWithin(lag)).isTrue();
    }
}
