package io.shardcache.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.ForwardingCacheBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link BackendRing}'s watcher bookkeeping, on in-process nodes that record who watches them. */
class BackendRingTest {

    /** A node whose watch answers {@code accepts}, and which keeps the watchers registered with it. */
    private static final class Node extends ForwardingCacheBackend {
        final List<Watcher> watchers = new ArrayList<>();
        private final boolean accepts;

        Node(boolean accepts) {
            super(InProcessCacheBackend.builder().build());
            this.accepts = accepts;
        }

        @Override
        public boolean watch(Watcher watcher) {
            if (accepts)
                watchers.add(watcher);
            return accepts;
        }

        @Override
        public void unwatch(Watcher watcher) {
            watchers.remove(watcher);
        }
    }

    private static final CacheBackend.Watcher NOBODY = new CacheBackend.Watcher() {
        @Override
        public void generationChanged(String counter, long value) {
        }

        @Override
        public void entryChanged(String key) {
        }

        @Override
        public void connectionChanged(boolean live) {
        }
    };

    @Test
    void aWatchOneNodeRefusesLeavesNoRegistrationOnTheOthers() {
        Node a = new Node(true), b = new Node(false);
        try (BackendRing ring = BackendRing.builder().node("a", a).node("b", b).build()) {
            assertThat(ring.watch(NOBODY)).isFalse();
            assertThat(a.watchers).as("registrations left on the node that accepted").isEmpty();
        }
    }

    @Test
    void watchingTwiceReplacesTheFirstRegistrationAndUnwatchRemovesAll() {
        Node a = new Node(true), b = new Node(true);
        try (BackendRing ring = BackendRing.builder().node("a", a).node("b", b).build()) {
            assertThat(ring.watch(NOBODY)).isTrue();
            assertThat(ring.watch(NOBODY)).isTrue();
            assertThat(a.watchers).hasSize(1);
            assertThat(b.watchers).hasSize(1);
            ring.unwatch(NOBODY);
            assertThat(a.watchers).isEmpty();
            assertThat(b.watchers).isEmpty();
        }
    }

    @Test
    void eachSettingMayBeSetOnce() {
        assertThatThrownBy(() -> BackendRing.builder().virtualNodes(100).virtualNodes(200))
            .isInstanceOf(IllegalStateException.class).hasMessage("virtualNodes is already set to 100");
        assertThatThrownBy(() -> BackendRing.builder().noCircuitBreakerPerServer().noCircuitBreakerPerServer())
            .isInstanceOf(IllegalStateException.class).hasMessage("circuitBreakerPerServer is already set");
        assertThatThrownBy(() -> BackendRing.builder().circuitBreakerPerServer(0, java.time.Duration.ofSeconds(1),
            io.shardcache.query.spi.CacheListener.NONE))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("circuit breaker failures must be at least 1, got 0");
    }
}
