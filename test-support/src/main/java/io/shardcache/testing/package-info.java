/**
 * PostgreSQL and Redis for shardcache's tests and examples, with no set-up: {@link
 * io.shardcache.testing.TestServices} finds shared servers (environment, loopback, Testcontainers, embedded),
 * {@link io.shardcache.testing.ServicesExtension} injects them and per-test schemas into JUnit tests, and
 * {@link io.shardcache.testing.EmbeddedServices} starts private servers from Maven artifacts. {@link
 * io.shardcache.testing.Gate} starts a stampede, and {@link io.shardcache.testing.Eventually} waits for what
 * happens in the background.
 *
 * <p>There is no {@code module-info}: this module is only ever used on the class path of tests and of the
 * examples, and its dependencies (Testcontainers, zonky, embedded-redis) are automatic modules whose names
 * are not stable.
 */
package io.shardcache.testing;
