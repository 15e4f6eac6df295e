package io.shardcache.query;

import io.shardcache.query.spi.CacheBackend;
import java.time.InstantSource;
import java.util.ServiceLoader;

/** The backend factory the tests run with; see {@link TestBackendFactory}. */
final class TestBackends {

    private static final TestBackendFactory FACTORY = ServiceLoader.load(TestBackendFactory.class).findFirst()
        .orElse((name, clock) -> InProcessCacheBackend.builder().clock(clock).build());

    private TestBackends() {
    }

    static CacheBackend create(String testName, InstantSource clock) {
        return FACTORY.create(testName, clock);
    }
}
