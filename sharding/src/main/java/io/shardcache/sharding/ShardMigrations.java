package io.shardcache.sharding;

import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.sharding.internal.FlywayShard;
import io.shardcache.sharding.internal.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Runs Flyway migrations on every logical shard: one Flyway history table per shard schema, each shard
 * migrated on its physical server's pool, with progress per shard and resume after a failure.
 *
 * <pre>{@code
 * MigrationReport report = ShardMigrations.builder(sharding)
 *     .locations("classpath:db/shard")
 *     .listener(progress)
 *     .build()
 *     .migrateAll();
 * }</pre>
 *
 * <p><b>Scripts</b> are ordinary Flyway migrations ({@code V1__items.sql}, Java migrations too). Flyway runs
 * them with the shard's schema as {@code search_path}, so unqualified names land in the shard, and replaces
 * the placeholders {@code ${shard}} (the logical shard number), {@code ${schema}} (its schema, unquoted) and
 * {@code ${server}} (its physical server's name), besides Flyway's own and those given to
 * {@link Builder#placeholder(String, String)}. Flyway's checksums are of the script text before replacement,
 * so one script serves every shard.
 *
 * <p><b>Shards made from a template.</b> A shard schema that {@link Sharding#createShards(String)} made
 * holds the template's tables but no Flyway history. Flyway would refuse such a non-empty schema; here it is
 * baselined as version {@code 0} ("shard template") and every migration is applied on top, so the template
 * and the migrations work together as written. If the template already holds what {@code V1} creates, set
 * the baseline with {@code configureFlyway(c -> c.baselineVersion("1"))}.
 *
 * <p><b>Order and parallelism.</b> Physical servers are migrated in parallel; on each, shards go in
 * ascending order, {@link #DEFAULT_PARALLELISM_PER_SERVER} at a time unless
 * {@link Builder#parallelismPerServer(int)} says otherwise. One at a time by default because migrations are
 * DDL: they take exclusive locks and may rewrite tables, and the pool they run on also serves the
 * application; the servers, separate machines, are the parallelism that costs nobody. Each running shard
 * holds up to 2 connections (Flyway's PostgreSQL support keeps its lock on a connection of its own).
 *
 * <p><b>Failures and resume.</b> On PostgreSQL each migration runs in its own transaction, so a failing script
 * leaves nothing behind on its shard: the migrations before it stay applied and recorded, and it is not
 * recorded. After a failure, {@link MigrationPolicy#FAIL_FAST} (the default) starts no further shard, while
 * shards already running finish; {@link MigrationPolicy#CONTINUE} migrates all the others. Either way
 * {@link #migrateAll()} then throws a {@link ShardMigrationException} whose report has every shard's outcome.
 * Running {@link #migrateAll()} again after fixing the script resumes: each shard's history says where it
 * is, shards at the latest version apply nothing, and the others continue from their failed migration. Fix a
 * failed script in place only if no shard applied it; otherwise Flyway's checksum validation will refuse the
 * changed script on the shards that did, so ship the fix as a new version instead.
 *
 * <p><b>Concurrency.</b> Immutable and thread-safe. Two runs over the same shards at once (two processes
 * starting together) are safe: Flyway locks each shard's history table, so the second waits and then finds
 * nothing to do.
 */
public final class ShardMigrations {

    /** Where migrations are looked for unless {@link Builder#locations(String...)} says otherwise. */
    public static final String DEFAULT_LOCATIONS = "classpath:db/shard";

    /** How many shards of one physical server migrate at once; see the class comment for why 1. */
    public static final int DEFAULT_PARALLELISM_PER_SERVER = 1;

    public static final MigrationPolicy DEFAULT_POLICY = MigrationPolicy.FAIL_FAST;

    /** Connections one running shard may hold: Flyway's migration connection and its lock connection. */
    static final int CONNECTIONS_PER_SHARD = 2;

    /** Placeholder names this class fills per shard; users may not set them. */
    private static final Set<String> RESERVED = Set.of("shard", "schema", "server");

    private static final System.Logger LOG = System.getLogger(ShardMigrations.class.getName());

    private final Sharding sharding;
    private final List<String> locations;
    private final Map<String, String> placeholders;
    private final MigrationListener listener;
    private final MigrationPolicy policy;
    private final int parallelismPerServer;
    private final Consumer<Object> flywayCustomizer;
    private final ClassLoader classLoader;

    private ShardMigrations(Builder b) {
        this.sharding = b.sharding;
        this.locations = b.locations != null ? b.locations : List.of(DEFAULT_LOCATIONS);
        this.placeholders = Map.copyOf(b.placeholders);
        this.listener = b.listener != null ? b.listener : MigrationListener.NONE;
        this.policy = b.policy != null ? b.policy : DEFAULT_POLICY;
        this.parallelismPerServer = b.parallelism != null ? b.parallelism : DEFAULT_PARALLELISM_PER_SERVER;
        this.flywayCustomizer = b.customizer != null ? b.customizer : c -> { };
        this.classLoader = b.classLoader;
    }

    /**
     * A builder for migrations of {@code sharding}'s shards.
     *
     * @throws ShardingException if Flyway is not on the class path
     */
    public static Builder builder(Sharding sharding) {
        return new Builder(sharding);
    }

    /**
     * Migrates every logical shard to the latest version; see the class comment for order, failures and resume.
     *
     * @return every shard's outcome, in shard order, when all of them are at the latest version
     * @throws ShardMigrationException if any shard failed or was not run; its report has every outcome. If
     *                                 the calling thread is interrupted, no further shard starts, running ones
     *                                 finish, and this is thrown with the interrupt flag set again.
     */
    public MigrationReport migrateAll() {
        long start = System.nanoTime();
        ShardMap map = sharding.map();
        ShardMigration[] outcomes = new ShardMigration[map.logicalShards()];
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        sharding.learnFromReachableServers();   // Flyway creates a missing schema: never a moved shard's on its old server
        Placement placement = sharding.placement();
        for (PhysicalServer server : map.servers()) {
            // One queue per server, taken in order by a fixed number of workers: with one worker the shards
            // of a server go strictly in ascending order, so FAIL_FAST stops at a predictable point.
            int[] held = placement.shardsOn(server);
            AtomicInteger next = new AtomicInteger();
            int count = Math.min(parallelismPerServer, held.length);
            for (int i = 0; i < count; i++)
                workers.add(Thread.ofVirtual().name("shardcache-migrate-" + server.name() + "-" + i).start(() -> {
                    int k;
                    while ((k = next.getAndIncrement()) < held.length) {
                        int shard = held[k];
                        if (stop.get()) {
                            outcomes[shard] = new ShardMigration.NotRun(shard, server.name(), map.schemaOf(shard));
                            int s = shard;
                            tell(() -> "shardNotRun(" + s + ")", () -> listener.shardNotRun(s));
                            continue;
                        }
                        ShardMigration outcome = migrateShard(shard);
                        outcomes[shard] = outcome;
                        if (outcome instanceof ShardMigration.Failed && policy == MigrationPolicy.FAIL_FAST)
                            stop.set(true);
                    }
                }));
        }
        boolean interrupted = false;
        for (Thread t : workers) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    stop.set(true);
                }
            }
        }
        for (int shard = 0; shard < outcomes.length; shard++)      // a worker that died left its shards unreported
            if (outcomes[shard] == null)
                outcomes[shard] = new ShardMigration.NotRun(shard, placement.serverOf(shard).name(), map.schemaOf(shard));
        MigrationReport report = new MigrationReport(List.of(outcomes), Duration.ofNanos(System.nanoTime() - start));
        if (interrupted)
            Thread.currentThread().interrupt();
        if (!report.isComplete() || interrupted)
            throw new ShardMigrationException(describeIncomplete(report, interrupted), report);
        return report;
    }

    /**
     * Migrates logical shard {@code shard} alone, for example one just created.
     *
     * @throws ShardingException if the shard does not exist, or its migration failed (naming it)
     */
    public ShardMigration.Migrated migrate(int shard) {
        sharding.map().checkShard(shard);
        sharding.learnFromReachableServers();
        return switch (migrateShard(shard)) {
            case ShardMigration.Migrated m -> m;
            case ShardMigration.Failed f -> throw f.error();
            case ShardMigration.NotRun n -> throw new IllegalStateException("not run: " + n);   // never for one shard
        };
    }

    @Override
    public String toString() {
        return "ShardMigrations[sharding=" + sharding.name() + ", locations=" + locations + ", policy=" + policy
            + ", parallelismPerServer=" + parallelismPerServer + "]";
    }

    private ShardMigration migrateShard(int shard) {
        return migrateShard(shard, sharding.serverOf(shard));
    }

    /** Migrates {@code shard}'s schema on {@code server}, where it may not live yet: a move's target. */
    ShardMigration migrateShard(int shard, PhysicalServer server) {
        String schema = sharding.schemaOf(shard);
        tell(() -> "shardStarted(" + shard + ")", () -> listener.shardStarted(shard, server.name(), schema));
        long start = System.nanoTime();
        try {
            Map<String, String> values = new LinkedHashMap<>(placeholders);
            values.put("shard", Integer.toString(shard));
            values.put("schema", schema);
            values.put("server", server.name());
            FlywayShard.Result r = FlywayShard.migrate(classLoader, flywayCustomizer,
                sharding.dataSource(server.name()), schema, locations, values);
            var done = new ShardMigration.Migrated(shard, server.name(), schema, r.applied(), r.fromVersion(),
                r.toVersion(), Duration.ofNanos(System.nanoTime() - start));
            tell(() -> "shardMigrated(" + shard + ")", () -> listener.shardMigrated(shard, r.applied(), r.toVersion()));
            return done;
        } catch (RuntimeException | Error e) {
            // FlywayException, a pool that gave no connection, or an Error from a callback or a Java migration
            // (an AssertionError, a NoClassDefFoundError): each is this shard's failure, reported with the rest.
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            ShardingException error = new ShardingException("migrations failed on logical shard " + shard
                + " (schema " + schema + " on physical server " + server.name() + ") after " + took.toMillis()
                + " ms: " + e.getMessage(), shard, server.name(), e);
            tell(() -> "shardFailed(" + shard + ")", () -> listener.shardFailed(shard, error));
            return new ShardMigration.Failed(shard, server.name(), schema, error, took);
        }
    }

    private void tell(Supplier<String> what, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "migration listener " + listener + " threw in " + what.get()
                + "; ignored", e);
        }
    }

    private String describeIncomplete(MigrationReport report, boolean interrupted) {
        int n = report.shards().size();
        StringBuilder m = new StringBuilder("migrations of sharding '" + sharding.name() + "' (locations "
            + locations + ") did not complete: ");
        if (interrupted)
            m.append("interrupted; ");
        m.append(report.migrated().size()).append(" of ").append(n).append(" logical shards are at the latest version, ")
            .append(report.failures().size()).append(" failed");
        if (!report.notRun().isEmpty())
            m.append(", ").append(report.notRun().size()).append(" not run (").append(policy).append(')');
        for (ShardMigration.Failed f : report.failures())
            m.append("; ").append(f.error().getMessage());
        m.append(". Fix the cause and run migrateAll() again: shards at the latest version are skipped and the"
            + " others resume from their first pending migration.");
        return m.toString();
    }

    /** Collects the options; each may be set once. Not thread-safe. */
    public static final class Builder {
        private final Sharding sharding;
        private final ClassLoader classLoader;
        private @Nullable List<String> locations;
        private final Map<String, String> placeholders = new LinkedHashMap<>();
        private @Nullable MigrationListener listener;
        private @Nullable MigrationPolicy policy;
        private @Nullable Integer parallelism;
        private @Nullable Consumer<Object> customizer;

        private Builder(Sharding sharding) {
            this.sharding = Objects.requireNonNull(sharding, "sharding");
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            this.classLoader = context != null ? context : ShardMigrations.class.getClassLoader();
            if (!flywayAvailable(classLoader))
                throw new ShardingException("ShardMigrations runs Flyway, which is not on the class path: add"
                    + " org.flywaydb:flyway-core and org.flywaydb:flyway-database-postgresql (same version) to"
                    + " your dependencies; shardcache's sharding module declares them optional");
        }

        /**
         * Flyway locations of the shard migrations ({@code classpath:db/shard}, {@code filesystem:/opt/sql});
         * default {@link #DEFAULT_LOCATIONS}. A location that does not exist fails the run.
         */
        public Builder locations(String... locations) {
            Options.once("locations", this.locations);
            Objects.requireNonNull(locations, "locations");
            if (locations.length == 0)
                throw new IllegalArgumentException("locations needs at least one location, such as '" + DEFAULT_LOCATIONS + "'");
            for (String l : locations)
                if (l == null || l.isBlank())
                    throw new IllegalArgumentException("locations " + Arrays.toString(locations) + " contain a blank location");
            this.locations = List.of(locations);
            return this;
        }

        /**
         * A placeholder every script sees as {@code ${name}}, the same on every shard. May be called for many
         * names, once per name; {@code shard}, {@code schema} and {@code server} are set per shard and cannot
         * be given here.
         */
        public Builder placeholder(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, () -> "value of placeholder " + name);
            if (name.isBlank() || name.startsWith("flyway:"))
                throw new IllegalArgumentException("placeholder name '" + name + "' is not allowed: give a non-blank name"
                    + " outside Flyway's own 'flyway:' namespace");
            if (RESERVED.contains(name.toLowerCase(Locale.ROOT)))
                throw new IllegalArgumentException("placeholder '" + name + "' is set per shard by ShardMigrations (reserved: "
                    + RESERVED + "); choose another name");
            String earlier = placeholders.putIfAbsent(name, value);
            if (earlier != null)
                throw new IllegalStateException("placeholder '" + name + "' is already set to '" + earlier
                    + "'; each placeholder may be set once");
            return this;
        }

        /** Told about every shard's progress; default {@link MigrationListener#NONE}. Must be thread-safe. */
        public Builder listener(MigrationListener listener) {
            Options.once("listener", this.listener);
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** What a failure does to the shards not yet started; default {@link #DEFAULT_POLICY}. */
        public Builder policy(MigrationPolicy policy) {
            Options.once("policy", this.policy);
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * How many shards of one physical server migrate at once; default {@link #DEFAULT_PARALLELISM_PER_SERVER}.
         * Each holds up to 2 connections of the server's pool, so {@link #build()} refuses a value whose
         * connections the pool does not have.
         */
        public Builder parallelismPerServer(int parallelism) {
            Options.once("parallelismPerServer", this.parallelism);
            if (parallelism < 1)
                throw new IllegalArgumentException("parallelismPerServer " + parallelism + " must be at least 1");
            this.parallelism = parallelism;
            return this;
        }

        /**
         * Sets further Flyway options on each shard's {@code org.flywaydb.core.api.configuration.FluentConfiguration}
         * (history table name, {@code baselineOnMigrate}, callbacks, …). Runs before this class sets the data
         * source, schemas, default schema, locations and placeholders, which it owns: setting those here has
         * no effect, except that placeholders set here are kept unless a shardcache placeholder has their name.
         *
         * @param customizer a {@code Consumer<FluentConfiguration>}; typed loosely so that this class loads
         *                   without Flyway on the class path
         */
        @SuppressWarnings("unchecked")
        public Builder configureFlyway(Consumer<?> customizer) {
            Options.once("configureFlyway", this.customizer);
            this.customizer = (Consumer<Object>) Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * The migrations, checked against each server's pool.
         *
         * @throws IllegalArgumentException if the parallelism needs more connections than a server's pool
         *                                  has, naming the server, both numbers and the largest parallelism
         *                                  that fits
         */
        public ShardMigrations build() {
            int p = parallelism != null ? parallelism : DEFAULT_PARALLELISM_PER_SERVER;
            for (PhysicalServer s : sharding.map().servers()) {
                DataSource ds = sharding.dataSource(s.name());
                if (ds instanceof HikariDataSource h && p * CONNECTIONS_PER_SHARD > h.getMaximumPoolSize())
                    throw new IllegalArgumentException("parallelismPerServer " + p + " needs up to " + p * CONNECTIONS_PER_SHARD
                        + " connections of physical server " + s.name() + ", whose pool has maximumPoolSize "
                        + h.getMaximumPoolSize() + ": " + (h.getMaximumPoolSize() >= CONNECTIONS_PER_SHARD
                            ? "use at most " + h.getMaximumPoolSize() / CONNECTIONS_PER_SHARD + ", or a bigger pool"
                            : "give the pool at least " + CONNECTIONS_PER_SHARD + " connections"));
            }
            return new ShardMigrations(this);
        }

        // Here, not in FlywayShard: loading that class may already need Flyway's.
        private static boolean flywayAvailable(ClassLoader loader) {
            try {
                Class.forName("org.flywaydb.core.Flyway", false, loader);
                return true;
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }

    }
}
