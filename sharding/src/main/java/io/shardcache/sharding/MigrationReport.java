package io.shardcache.sharding;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every logical shard's outcome of one {@link ShardMigrations#migrateAll()}, in shard order. An immutable value.
 *
 * @param shards  one outcome per logical shard, ordered by shard
 * @param elapsed from the start of the run until the last shard finished
 */
public record MigrationReport(List<ShardMigration> shards, Duration elapsed) {

    public MigrationReport {
        shards = List.copyOf(shards);
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** The shards now at the latest version, including those that were already. */
    public List<ShardMigration.Migrated> migrated() {
        return of(ShardMigration.Migrated.class);
    }

    /** The shards that failed. */
    public List<ShardMigration.Failed> failures() {
        return of(ShardMigration.Failed.class);
    }

    /** The shards not started because another failed first. */
    public List<ShardMigration.NotRun> notRun() {
        return of(ShardMigration.NotRun.class);
    }

    /** Whether every shard is at the latest version. */
    public boolean isComplete() {
        return shards.stream().allMatch(s -> s instanceof ShardMigration.Migrated);
    }

    /** Migrations applied by this run, over all shards. */
    public int appliedCount() {
        return migrated().stream().mapToInt(ShardMigration.Migrated::applied).sum();
    }

    /** The distinct versions of the migrated shards ({@code null} left out): one element after a complete run. */
    public Set<String> versions() {
        Set<String> out = new TreeSet<>();
        for (ShardMigration.Migrated m : migrated())
            if (m.toVersion() != null)
                out.add(m.toVersion());
        return out;
    }

    private <T extends ShardMigration> List<T> of(Class<T> type) {
        return shards.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
