package io.shardcache.benchmarks.stampede;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.InProcessCacheBackend;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CountingBackendTest {

    @Test
    void countsLockAttemptsOfItsRegionOnlyAndForgetsThemOnReset() throws Exception {
        try (InProcessCacheBackend inner = InProcessCacheBackend.builder().build()) {
            Trace trace = new Trace();
            CountingBackend counting = new CountingBackend(inner, "stampede", trace);

            counting.locks().tryAcquire("stampede:0:abc:lock", Duration.ofSeconds(1)).orElseThrow().release();
            counting.locks().acquire("stampede:0:def:lock", Duration.ofSeconds(1), Duration.ofSeconds(1)).held().orElseThrow().release();
            counting.locks().tryAcquire("warm:0:abc:lock", Duration.ofSeconds(1)).orElseThrow().release();

            assertThat(counting.tryAcquires()).isEqualTo(1);
            assertThat(counting.acquires()).isEqualTo(1);
            assertThat(trace.events()).extracting(Trace.Event::name)
                .containsExactly("tryAcquire", "tryAcquire:got", "release", "released",
                                 "acquire", "acquire:got", "release", "released");

            counting.reset();
            assertThat(counting.tryAcquires() + counting.acquires()).isZero();
        }
    }
}
