package io.shardcache.sharding;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What {@link ShardMigrations} did on one logical shard: {@link Migrated} (possibly with nothing to apply),
 * {@link Failed}, or {@link NotRun}. Immutable values.
 */
public sealed interface ShardMigration permits ShardMigration.Migrated, ShardMigration.Failed, ShardMigration.NotRun {

    /** The logical shard. */
    int shard();

    /** The name of the physical server that holds it. */
    String server();

    /** The shard's schema, where Flyway kept its history table. */
    String schema();

    /**
     * The shard is at the latest version.
     *
     * @param applied     migrations applied by this run; 0 when the shard was already up to date
     * @param fromVersion the version before this run, {@code null} for a shard without history
     * @param toVersion   the version now, {@code null} if there is no versioned migration at all
     * @param elapsed     how long Flyway took on this shard
     */
    record Migrated(int shard, String server, String schema, int applied, @Nullable String fromVersion,
                    @Nullable String toVersion, Duration elapsed) implements ShardMigration {
    }

    /**
     * Migrating the shard failed: the migrations before the failing one are applied, the failing one was
     * rolled back (PostgreSQL's DDL is transactional), and the next run starts from it.
     *
     * @param error names the shard, schema and server; its cause is Flyway's exception
     */
    record Failed(int shard, String server, String schema, ShardingException error, Duration elapsed)
        implements ShardMigration {
    }

    /** The shard was not started: another shard had failed under {@link MigrationPolicy#FAIL_FAST}. */
    record NotRun(int shard, String server, String schema) implements ShardMigration {
    }
}
