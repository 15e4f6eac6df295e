package io.shardcache.sharding.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.jspecify.annotations.Nullable;

/**
 * The only class that touches Flyway, so that the public {@code ShardMigrations} loads (and can say what is
 * missing) when Flyway, an optional dependency, is not on the class path.
 *
 * <p>One Flyway instance per shard and run: Flyway keeps its schema, default schema and placeholders in an
 * immutable configuration, so a shared instance cannot serve two schemas. On PostgreSQL, Flyway sets the
 * connection's {@code search_path} to the shard schema while it migrates and restores it before giving the
 * connection back, so the pooled connections carry no shard state afterwards.
 */
public final class FlywayShard {

    /** What Flyway did on one shard. */
    public record Result(int applied, @Nullable String fromVersion, @Nullable String toVersion) {
    }

    private FlywayShard() {
    }

    /**
     * Migrates {@code schema} on {@code dataSource}.
     *
     * @throws RuntimeException Flyway's exception when a migration or the validation fails
     */
    public static Result migrate(ClassLoader loader, Consumer<? super FluentConfiguration> customizer,
                                 DataSource dataSource, String schema, List<String> locations,
                                 Map<String, String> placeholders) {
        FluentConfiguration config = Flyway.configure(loader)
            // A misspelt location must fail, not migrate nothing and report the shard as up to date.
            .failOnMissingLocations(true)
            // A schema made by Sharding.createShards has tables but no history yet: record it as version 0,
            // the template, and apply every migration on top. configureFlyway may choose another version.
            .baselineOnMigrate(true)
            .baselineVersion("0")
            .baselineDescription("shard template");
        customizer.accept(config);
        Map<String, String> all = new HashMap<>(config.getPlaceholders());
        all.putAll(placeholders);
        config.dataSource(dataSource)
            .schemas(schema)
            .defaultSchema(schema)
            .locations(locations.toArray(String[]::new))
            .placeholders(all);
        MigrateResult r = config.load().migrate();
        if (!r.success)
            throw new IllegalStateException("Flyway reported an unsuccessful migration of schema " + schema
                + " without an exception (warnings: " + r.warnings + ")");
        String to = r.targetSchemaVersion != null ? r.targetSchemaVersion : r.initialSchemaVersion;
        return new Result(r.migrationsExecuted, r.initialSchemaVersion, to);
    }
}
