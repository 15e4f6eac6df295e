package io.shardcache.sharding;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;

/**
 * Several shard maps side by side, each a <em>category</em> of data sharded its own way (switchman's shard
 * categories), plus the unsharded database for the tables that are not sharded:
 *
 * <pre>{@code
 * ShardedDatabase db = ShardedDatabase.builder()
 *     .category("users", usersMap, Routers.jumpHash())      // sharded by user id
 *     .category("events", eventsMap, Routers.modulo())     // sharded by event id
 *     .unsharded(defaultConfig)                            // plans, settings, ...
 *     .build();
 * db.category("users").on(userId).selectFrom(USERS)...;
 * db.unsharded().selectFrom(PLANS).fetch();
 * }</pre>
 *
 * <p>Each category is a {@link Sharding} named after the category, with pools of its own (two categories
 * on one database do not share pools) and its own row in each server's recorded map. Thread-safe;
 * failures are those of {@link Sharding}. {@link #close()} closes every category and the unsharded pool.
 */
public final class ShardedDatabase implements AutoCloseable {

    private final Map<String, Sharding> categories;
    private final @Nullable HikariDataSource unshardedPool;
    private final @Nullable DSLContext unsharded;

    private ShardedDatabase(Map<String, Sharding> categories, @Nullable HikariDataSource unshardedPool,
                            @Nullable Settings settings) {
        this.categories = categories;
        this.unshardedPool = unshardedPool;
        this.unsharded = unshardedPool == null ? null
            : DSL.using(unshardedPool, SQLDialect.POSTGRES, settings == null ? new Settings() : settings);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The sharding of category {@code name}.
     *
     * @throws IllegalArgumentException listing the known categories if there is none by that name
     */
    public Sharding category(String name) {
        Sharding s = categories.get(name);
        if (s == null)
            throw new IllegalArgumentException("unknown shard category '" + name + "': the known categories are " + categories.keySet());
        return s;
    }

    /** The categories, by name, in declaration order. */
    public Map<String, Sharding> categories() {
        return categories;
    }

    /**
     * The context of the unsharded database: no render mapping, names as written.
     *
     * @throws IllegalStateException if the builder declared no unsharded database
     */
    public DSLContext unsharded() {
        if (unsharded == null)
            throw new IllegalStateException("no unsharded database was declared: add one with ShardedDatabase.builder().unsharded(config)");
        return unsharded;
    }

    /** {@link Sharding#initialize()} on every category. */
    public void initialize() {
        categories.values().forEach(Sharding::initialize);
    }

    /** Closes every category's pools and the unsharded pool; idempotent. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (Sharding s : categories.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (first == null)
                    first = e;
                else
                    first.addSuppressed(e);
            }
        }
        if (unshardedPool != null)
            unshardedPool.close();
        if (first != null)
            throw first;
    }

    /** Collects categories; each category name and the unsharded database may be declared once. Not thread-safe. */
    public static final class Builder {
        private record Category(ShardMap map, ShardRouter router) {
        }

        private final Map<String, Category> categories = new LinkedHashMap<>();
        private @Nullable HikariConfig unsharded;
        private @Nullable Settings settings;

        private Builder() {
        }

        /** Declares category {@code name}: a map sharded by {@code router}. */
        public Builder category(String name, ShardMap map, ShardRouter router) {
            Objects.requireNonNull(map, () -> "map of category " + name);
            Objects.requireNonNull(router, () -> "router of category " + name);
            if (categories.containsKey(name))
                throw new IllegalArgumentException("shard category '" + name + "' is already declared; declare each category once");
            categories.put(name, new Category(map, router));
            return this;
        }

        /** The database of the tables that are not sharded; its pool is created (without connecting) at build. */
        public Builder unsharded(HikariConfig config) {
            if (unsharded != null)
                throw new IllegalStateException("the unsharded database is already declared; it may be declared once");
            HikariConfig copy = new HikariConfig();
            Objects.requireNonNull(config, "config").copyStateTo(copy);
            this.unsharded = copy;
            return this;
        }

        /** jOOQ settings of every context (shards and unsharded); default jOOQ's defaults. */
        public Builder settings(Settings settings) {
            if (this.settings != null)
                throw new IllegalStateException("settings are already set; each option may be set once");
            this.settings = (Settings) Objects.requireNonNull(settings, "settings").clone();
            return this;
        }

        /**
         * Creates every category's pools and the unsharded pool, without connecting.
         *
         * @throws IllegalStateException    if no category was declared
         * @throws IllegalArgumentException if a category's name is not valid
         */
        public ShardedDatabase build() {
            if (categories.isEmpty())
                throw new IllegalStateException("no shard category declared: add one with category(name, map, router)");
            Map<String, Sharding> built = new LinkedHashMap<>();
            List<AutoCloseable> opened = new ArrayList<>();
            try {
                for (var e : categories.entrySet()) {
                    Sharding.Builder b = Sharding.builder(e.getValue().map(), e.getValue().router()).name(e.getKey());
                    if (settings != null)
                        b.settings(settings);
                    Sharding s = b.build();
                    opened.add(s);
                    built.put(e.getKey(), s);
                }
                HikariDataSource pool = null;
                if (unsharded != null) {
                    if (unsharded.getPoolName() == null)
                        unsharded.setPoolName("shardcache-unsharded");
                    unsharded.setInitializationFailTimeout(-1);     // a database that is down must not stop the start
                    pool = new HikariDataSource(unsharded);
                }
                return new ShardedDatabase(Collections.unmodifiableMap(built), pool, settings);
            } catch (RuntimeException e) {
                for (AutoCloseable c : opened) {
                    try {
                        c.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }
    }
}
