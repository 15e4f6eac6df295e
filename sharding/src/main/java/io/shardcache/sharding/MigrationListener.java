package io.shardcache.sharding;

import org.jspecify.annotations.Nullable;

/**
 * Progress of {@link ShardMigrations#migrateAll()}, shard by shard. Every method has a no-op default, so
 * implement only what you show.
 *
 * <p><b>Threads.</b> Called on the threads that migrate: shards of different physical servers (and of one
 * server, with {@link ShardMigrations.Builder#parallelismPerServer(int)} above 1) report concurrently, so an
 * implementation must be thread-safe. Calls for one shard come in order: {@code shardStarted}, then exactly
 * one of {@code shardMigrated} or {@code shardFailed}; a shard that is never started gets only
 * {@code shardNotRun}. Keep the methods quick: the shard's migration waits for them.
 *
 * <p><b>Failures.</b> An exception thrown by a listener method does not change any shard's outcome; it is
 * logged (System.Logger {@code io.shardcache.sharding.ShardMigrations}, level WARNING) and dropped.
 */
public interface MigrationListener {

    /** The listener that ignores everything; the default. */
    MigrationListener NONE = new MigrationListener() {
    };

    /** Flyway is about to migrate logical shard {@code shard} (schema {@code schema} on {@code server}). */
    default void shardStarted(int shard, String server, String schema) {
    }

    /**
     * Logical shard {@code shard} is at the latest version: {@code appliedCount} migrations were applied now
     * (0 when it was already up to date), and its version is {@code version} ({@code null} if no versioned
     * migration exists).
     */
    default void shardMigrated(int shard, int appliedCount, @Nullable String version) {
    }

    /**
     * Migrating logical shard {@code shard} failed; {@code error} names the shard and chains Flyway's
     * exception. Migrations applied before the failing one stay applied; the failing one was rolled back.
     */
    default void shardFailed(int shard, ShardingException error) {
    }

    /** Logical shard {@code shard} was not started, because another shard failed under {@link MigrationPolicy#FAIL_FAST}. */
    default void shardNotRun(int shard) {
    }
}
