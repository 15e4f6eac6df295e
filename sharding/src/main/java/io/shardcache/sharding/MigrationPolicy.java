package io.shardcache.sharding;

/**
 * What {@link ShardMigrations#migrateAll()} does after a shard fails. Either way, shards that already run
 * finish, nothing is undone, {@link ShardMigrations#migrateAll()} throws a {@link ShardMigrationException}
 * with every shard's outcome at the end, and running it again (after fixing the script) migrates the shards
 * that are behind and skips those at the latest version.
 */
public enum MigrationPolicy {
    /**
     * Start no further shard. The default: a broken script usually breaks every shard the same way, and
     * stopping keeps the shards' versions from drifting further apart while someone fixes it.
     */
    FAIL_FAST,
    /** Migrate every other shard anyway, and report all failures together. */
    CONTINUE
}
