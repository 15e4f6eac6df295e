package io.shardcache.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventuallyTest {

    private static final Duration LONG = Duration.ofSeconds(10);
    private static final Duration SHORT = Duration.ofMillis(30);

    @Test
    void returnsOnceTheConditionHoldsAndChecksNoMore() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        Eventually.await("the third check", LONG, () -> checks.incrementAndGet() == 3);
        assertThat(checks).hasValue(3);

        AtomicInteger observed = new AtomicInteger();
        assertThat(Eventually.await("a count of 4", LONG, observed::incrementAndGet, n -> n >= 4)).isEqualTo(4);
        assertThat(observed).hasValue(4);
    }

    @Test
    void aConditionThatNeverHoldsFailsNamingWhatAndTheLastState() {
        assertThatThrownBy(() -> Eventually.await("the flag", SHORT, () -> false))
            .isInstanceOf(AssertionError.class).hasMessage("the flag: not within 30 ms; last state: false");
        assertThatThrownBy(() -> Eventually.await("the flag", SHORT, () -> false, () -> "lights off"))
            .isInstanceOf(AssertionError.class).hasMessage("the flag: not within 30 ms; last state: lights off");

        AtomicInteger observed = new AtomicInteger();
        assertThatThrownBy(() -> Eventually.await("a negative count", SHORT, observed::incrementAndGet, n -> n < 0))
            .isInstanceOf(AssertionError.class)
            .hasMessage("a negative count: not within 30 ms; last observed: " + observed.get());
        assertThat(observed.get()).as("checks: at once, after growing pauses, and at the deadline").isGreaterThan(2);
    }

    @Test
    void aConditionIsCheckedOnceMoreAtTheDeadline() throws Exception {
        long start = System.nanoTime();
        AtomicInteger checks = new AtomicInteger();
        Eventually.await("true after the timeout", Duration.ofMillis(20),
            () -> checks.incrementAndGet() > 1 && System.nanoTime() - start >= Duration.ofMillis(20).toNanos());
        assertThat(checks.get()).isGreaterThan(1);
    }

    @Test
    void whatAnObservationThrowsEndsTheWaitAtOnce() {
        AtomicInteger observed = new AtomicInteger();
        assertThatThrownBy(() -> Eventually.await("a server's answer", LONG, () -> {
            observed.incrementAndGet();
            throw new IOException("gone");
        }, answer -> true)).isInstanceOf(IOException.class).hasMessage("gone");
        assertThat(observed).hasValue(1);
    }

    @Test
    void awaitWorkingRetriesOnlyTheGivenExceptionType() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Eventually.awaitWorking("the third call", LONG, IllegalStateException.class, () -> {
            if (calls.incrementAndGet() < 3)
                throw new IllegalStateException("not yet");
        });
        assertThat(calls).hasValue(3);

        calls.set(0);
        assertThatThrownBy(() -> Eventually.awaitWorking("a call", LONG, IllegalStateException.class, () -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("wrong");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("wrong");
        assertThat(calls).as("not retried").hasValue(1);

        calls.set(0);
        assertThatThrownBy(() -> Eventually.awaitWorking("a call", LONG, IllegalStateException.class, () -> {
            calls.incrementAndGet();
            assertThat(1).isEqualTo(2);
        })).isInstanceOf(AssertionError.class).hasMessageContaining("expected: 2");
        assertThat(calls).as("a failed assertion is not retried").hasValue(1);
    }

    @Test
    void awaitWorkingFailsWithTheLastExceptionAsItsCause() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> Eventually.awaitWorking("a's first put", SHORT, IllegalStateException.class, () -> {
            throw new IllegalStateException("refused " + calls.incrementAndGet());
        })).isInstanceOf(AssertionError.class)
            .hasMessageStartingWith("a's first put: still failing after 30 ms: java.lang.IllegalStateException: refused ")
            .cause().isInstanceOf(IllegalStateException.class).hasMessage("refused " + calls.get());
    }

    @Test
    void aTimeoutIsShownInSecondsWhenWhole() {
        assertThatThrownBy(() -> Eventually.await("never", Duration.ofSeconds(0), () -> false))
            .hasMessage("never: not within 0 s; last state: false");
        assertThatThrownBy(() -> Eventually.await("never", Duration.ofMillis(-1), () -> false))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout is negative: PT-0.001S");
    }
}
