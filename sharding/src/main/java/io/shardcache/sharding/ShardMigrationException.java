package io.shardcache.sharding;

import org.jspecify.annotations.Nullable;

/**
 * {@link ShardMigrations#migrateAll()} left some logical shard behind: it failed, or was not started after
 * another failed. {@link #report()} has every shard's outcome; the message lists the failures. Shards that
 * migrated stay migrated: fix the script and run again.
 */
public class ShardMigrationException extends ShardingException {

    private final transient MigrationReport report;

    public ShardMigrationException(String message, MigrationReport report) {
        super(message, onlyShard(report), onlyServer(report), firstCause(report));
        this.report = report;
    }

    /** Every shard's outcome of the run. */
    public MigrationReport report() {
        return report;
    }

    private static int onlyShard(MigrationReport report) {
        return report.failures().size() == 1 ? report.failures().getFirst().shard() : -1;
    }

    private static @Nullable String onlyServer(MigrationReport report) {
        return report.failures().size() == 1 ? report.failures().getFirst().server() : null;
    }

    private static @Nullable Throwable firstCause(MigrationReport report) {
        return report.failures().isEmpty() ? null : report.failures().getFirst().error();
    }
}
