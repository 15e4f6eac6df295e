package io.shardcache.query;

import io.shardcache.query.spi.CacheBackend;
import java.time.InstantSource;

/**
 * Makes the backend the integration tests of this module run on. The in-process backend is the
 * default; another module puts its own factory on the test class path (a {@link java.util.ServiceLoader}
 * entry) and runs these same tests on its backend, as {@code cache-redis} does with Redis.
 */
public interface TestBackendFactory {

    /**
     * A backend of its own for one test: nothing it stores may be seen by another test.
     *
     * @param testName unique per test (its schema's name), for key prefixes
     * @param clock    the test's clock, for a backend that dates entries itself
     */
    CacheBackend create(String testName, InstantSource clock);
}
