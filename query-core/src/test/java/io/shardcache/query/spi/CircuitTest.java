package io.shardcache.query.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.CacheBackendException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The circuit as a backend of several servers uses it: admitted, then reported part by part. */
class CircuitTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
    private final List<String> events = new ArrayList<>();
    private final CacheListener listener = new CacheListener() {
        @Override
        public void circuitOpened(String backend, Duration openFor, Throwable cause) {
            events.add("opened " + backend);
        }

        @Override
        public void circuitClosed(String backend, Duration wasOpenFor) {
            events.add("closed " + backend + " after " + wasOpenFor.toMillis() + " ms");
        }
    };
    private final Circuit circuit = new Circuit("node-a", 2, Duration.ofSeconds(1), clock, listener);
    private final CacheBackendException down = new CacheBackendException("node-a is down");

    @Test
    void consecutiveFailuresOpenItAndASuccessInBetweenResetsTheCount() {
        circuit.failed(circuit.admit(), down);
        circuit.succeeded(circuit.admit());
        circuit.failed(circuit.admit(), down);
        assertThat(circuit.state().open()).as("one failure since the success").isFalse();
        circuit.failed(circuit.admit(), down);
        assertThat(circuit.state().open()).isTrue();
        assertThat(events).containsExactly("opened node-a");
        assertThatThrownBy(circuit::admit).isInstanceOf(CacheBackendException.class)
            .hasMessageContaining("node-a is not called").hasMessageContaining("last failure: node-a is down");
    }

    @Test
    void afterOpenForOneCallProbesAndTheOthersStillFailAtOnce() {
        open();
        now.addAndGet(1_000);
        Circuit.Admission probe = circuit.admit();
        assertThat(probe).isEqualTo(Circuit.Admission.PROBE);
        assertThatThrownBy(circuit::admit).as("a second caller while the probe runs").isInstanceOf(CacheBackendException.class);
        now.addAndGet(5);
        circuit.succeeded(probe);
        assertThat(circuit.state().open()).isFalse();
        assertThat(circuit.admit()).isEqualTo(Circuit.Admission.CLOSED);
        assertThat(events).containsExactly("opened node-a", "closed node-a after 1005 ms");
    }

    @Test
    void aFailedProbeOpensItForAnotherOpenFor() {
        open();
        now.addAndGet(1_000);
        circuit.failed(circuit.admit(), down);
        now.addAndGet(999);
        assertThatThrownBy(circuit::admit).isInstanceOf(CacheBackendException.class);
        now.addAndGet(1);
        assertThat(circuit.admit()).isEqualTo(Circuit.Admission.PROBE);
    }

    /** A call that spans several servers and gave up before its part ran must not keep the probe to itself. */
    @Test
    void anAbandonedProbeLetsTheNextCallProbe() {
        open();
        now.addAndGet(1_000);
        circuit.abandoned(circuit.admit());
        assertThat(circuit.admit()).isEqualTo(Circuit.Admission.PROBE);
        assertThat(circuit.state().open()).as("abandoning says nothing of the server").isTrue();
    }

    @Test
    void admitNowProbesBeforeOpenForButNotBesideAnotherProbe() {
        open();
        Circuit.Admission retry = circuit.admitNow();
        assertThat(retry).isEqualTo(Circuit.Admission.PROBE);
        assertThatThrownBy(circuit::admitNow).isInstanceOf(CacheBackendException.class);
        circuit.succeeded(retry);
        assertThat(circuit.state().open()).isFalse();
    }

    @Test
    void callReportsWhatItsOperationDid() {
        assertThatThrownBy(() -> circuit.call(() -> {
            throw new IllegalStateException("a bug, not the server");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(circuit.state().failures()).as("not counted").isZero();
        assertThatThrownBy(() -> circuit.call(() -> {
            throw down;
        })).isSameAs(down);
        assertThat(circuit.state().failures()).isEqualTo(1);
        assertThat(circuit.call(() -> "answer")).isEqualTo("answer");
        assertThat(circuit.state().failures()).isZero();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new Circuit("x", 0, Duration.ofSeconds(1), clock, listener)).hasMessageContaining("at least 1, got 0");
        assertThatThrownBy(() -> new Circuit("x", 1, Duration.ZERO, clock, listener)).hasMessageContaining("openFor must be positive");
    }

    private void open() {
        circuit.failed(circuit.admit(), down);
        circuit.failed(circuit.admit(), down);
        assertThat(circuit.state().open()).isTrue();
    }
}
