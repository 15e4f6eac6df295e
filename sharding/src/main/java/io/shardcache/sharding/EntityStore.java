package io.shardcache.sharding;

import io.shardcache.sharding.internal.JsonText;
import io.shardcache.sharding.internal.Options;
import io.shardcache.sharding.internal.Transactions;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Record3;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jspecify.annotations.Nullable;

/**
 * Schemaless entities on logical shards, as Instagram's hypervault keeps them: {@link #put(int, String, Map)}
 * stores a kind and a map of attributes (as {@code jsonb}) in a shard's schema and returns a new ID that
 * carries the shard; {@link #get(long)} reads the shard back from the ID's bits and fetches the row, with no
 * lookup table.
 *
 * <pre>{@code
 * EntityStore store = EntityStore.create(sharding, ShardIdLayout.DEFAULT);
 * store.install();                                              // once, or on every start: idempotent
 * long id = store.putByKey(userId, "photo", Map.of("caption", "Dusk", "tags", List.of("sea", "sky")));
 * store.get(id).map(Entity::attributes);                        // {caption=Dusk, tags=[sea, sky]}
 * }</pre>
 *
 * <p><b>Where IDs are made.</b> In PostgreSQL, by the shard's own {@code next_id()} ({@link NextIdFunction}),
 * as the ID column's default; the insert returns it, so a put is one round trip either way. Made in the
 * database, IDs are unique per shard however many application processes write to it: the schema's sequence
 * is shared by all of them. {@link ShardIdGenerator} would save nothing here and is unique only per
 * generator instance, so two processes writing one shard could make the same ID. The cost is Instagram's
 * contract: at most 1024 IDs per shard per millisecond, and a server clock that does not step back; the
 * primary key turns a violation into an error, never a duplicate.
 *
 * <p><b>Table</b> (per shard schema, by {@link #install()}):
 * <pre>
 * create table "shard_0007"."entities" (
 *   id          bigint primary key default "shard_0007".next_id(),
 *   kind        text not null check (kind &lt;&gt; ''),
 *   attributes  jsonb not null check (jsonb_typeof(attributes) = 'object'),
 *   created_at  timestamptz not null default now())
 * </pre>
 *
 * <p><b>Attributes</b> must be JSON-safe: {@code String}, {@code Boolean}, {@code null}, the JDK's numbers
 * ({@code Integer, Long, Short, Byte, Double, Float, BigInteger, BigDecimal}), and nested
 * {@code Map<String, ?>} / {@code List<?>} of those. Anything else (a date, a UUID, an enum, an array) is
 * refused with an {@link IllegalArgumentException} naming the attribute's path and type, before any SQL is
 * sent; so are NaN, infinities and text {@code jsonb} cannot hold (U+0000, lone surrogates). What comes back
 * is described at {@link Entity#attributes()}: integers as {@code Long}, other numbers as {@code BigDecimal}.
 *
 * <p><b>Concurrency.</b> Immutable and thread-safe; every call borrows a connection of the shard's server
 * pool for one statement.
 *
 * <p><b>Failures.</b> A shard out of range, a key the router cannot place, and an ID that is not an ID of this
 * store (negative, or carrying a shard the map does not have) are {@link ShardingException}s naming the value.
 * A null kind or attributes is a {@code NullPointerException}; a blank or too long kind or an attribute that
 * is not JSON-safe an {@link IllegalArgumentException}. A database failure (server down, table not installed)
 * is a {@link ShardingException} naming the shard, schema and server, with the jOOQ exception as its cause.
 * An ID of a row that does not exist is not a failure: {@link #get(long)} returns empty.
 */
public final class EntityStore {

    /** The table's name in every shard schema, unless {@link Builder#table(String)} says otherwise. */
    public static final String DEFAULT_TABLE = "entities";

    /** The longest kind accepted, in characters: a kind names a type, not data. */
    public static final int MAX_KIND_LENGTH = 255;

    /** A plain identifier: spliced into DDL and the {@code next_id()} default, so no quotes or {@code $}. */
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private static final Field<Long> ID = DSL.field(DSL.name("id"), SQLDataType.BIGINT);
    private static final Field<String> KIND = DSL.field(DSL.name("kind"), SQLDataType.CLOB);
    private static final Field<JSONB> ATTRIBUTES = DSL.field(DSL.name("attributes"), SQLDataType.JSONB);
    private static final Field<OffsetDateTime> CREATED_AT = DSL.field(DSL.name("created_at"),
        SQLDataType.TIMESTAMPWITHTIMEZONE);

    private final Sharding sharding;
    private final ShardIdLayout layout;
    private final NextIdFunction nextId;
    private final String table;
    /** Per logical shard: the table qualified with the shard's schema (never mapped by the render mapping). */
    private final List<Table<Record>> tables;

    private EntityStore(Sharding sharding, ShardIdLayout layout, String table) {
        this.sharding = sharding;
        this.layout = layout;
        this.nextId = NextIdFunction.of(layout);
        this.table = table;
        int n = sharding.map().logicalShards();
        if (n > ShardIdLayout.MAX_SHARDS)
            throw new IllegalArgumentException("the map of sharding '" + sharding.name() + "' has " + n
                + " logical shards, but IDs carry " + ShardIdLayout.SHARD_BITS + " bits of shard, so at most "
                + ShardIdLayout.MAX_SHARDS + ": an entity store needs a map of at most that many shards");
        List<Table<Record>> tables = new ArrayList<>(n);
        for (int shard = 0; shard < n; shard++) {
            String schema = sharding.schemaOf(shard);
            if (!IDENTIFIER.matcher(schema).matches())
                throw new IllegalArgumentException("logical shard " + shard + " has the schema '" + schema + "', which is"
                    + " not a plain identifier (ASCII letters, digits or _, not starting with a digit): the entity"
                    + " store installs next_id() there and cannot; use a schema pattern such as 'shard_%04d'");
            tables.add(DSL.table(DSL.name(schema, table)));
        }
        this.tables = List.copyOf(tables);
    }

    /** A store in table {@link #DEFAULT_TABLE} whose IDs follow {@code layout}. */
    public static EntityStore create(Sharding sharding, ShardIdLayout layout) {
        return builder(sharding).layout(layout).build();
    }

    public static Builder builder(Sharding sharding) {
        return new Builder(sharding);
    }

    /** The layout of this store's IDs. */
    public ShardIdLayout layout() {
        return layout;
    }

    /** The table's name in each shard schema. */
    public String table() {
        return table;
    }

    /**
     * Creates, on every logical shard (in parallel per server, each shard in one transaction), the schema if
     * missing, {@code next_id()} and its sequence, and the table if missing. Idempotent: an existing sequence
     * keeps its position and an existing table its rows. Run it from one process at a time (two sessions
     * replacing one function at once can fail in PostgreSQL), or put {@link #installSql(int)} in your
     * migrations instead.
     *
     * @throws FanOutException listing every shard where it failed; the others are installed
     */
    public void install() {
        sharding.<@Nullable Void>onAll(FanOut.builder().policy(FanOutPolicy.REQUIRE_ALL)
            .shardTimeout(Sharding.DEFAULT_DDL_TIMEOUT).build(),
            ctx -> {
                String sql = installSql(Sharding.shardNumber(ctx));
                ctx.connection(c -> Transactions.runInTransaction(c, sql));
                return null;
            });
    }

    /**
     * The script {@link #install()} runs on logical shard {@code shard}: for a migration tool (a Flyway Java
     * migration, {@link ShardMigrations}) that installs the store along with the rest of the shard.
     *
     * @throws ShardingException if {@code shard} is not in {@code [0, logicalShards)}
     */
    public String installSql(int shard) {
        String schema = sharding.schemaOf(shard);
        String s = '"' + schema + '"';
        String t = s + ".\"" + table + '"';
        return "create schema if not exists " + s + ";\n"
            + nextId.installSql(schema, shard)
            + "create table if not exists " + t + " (\n"
            + "  id bigint primary key default " + s + "." + NextIdFunction.FUNCTION_NAME + "(),\n"
            + "  kind text not null check (kind <> ''),\n"
            + "  attributes jsonb not null check (jsonb_typeof(attributes) = 'object'),\n"
            + "  created_at timestamptz not null default now());\n";
    }

    /**
     * Stores an entity on logical shard {@code shard} and returns its new ID, which carries the shard.
     *
     * @param kind       what the entity is: 1 to {@link #MAX_KIND_LENGTH} characters, not blank
     * @param attributes JSON-safe values (see the class comment); copied into the row, so later changes to
     *                   the map do not matter
     * @throws ShardingException        if the shard does not exist, or the database fails (naming the shard)
     * @throws IllegalArgumentException if the kind is blank or too long, or an attribute is not JSON-safe
     */
    public long put(int shard, String kind, Map<String, ?> attributes) {
        DSLContext ctx = sharding.onShard(shard);
        checkKind(kind);
        String json = JsonText.write(Objects.requireNonNull(attributes, "attributes"));
        try {
            return ctx.insertInto(tables.get(shard)).columns(KIND, ATTRIBUTES)
                .values(kind, JSONB.valueOf(json))
                .returningResult(ID)
                .fetchSingle().value1();
        } catch (DataAccessException e) {
            throw failed("put of a '" + kind + "' entity", shard, e);
        }
    }

    /**
     * Stores an entity on the logical shard the sharding's router gives {@code shardKey}; see
     * {@link #put(int, String, Map)}. A separate name rather than an overload of {@code put}: with both
     * {@code put(int, …)} and {@code put(Object, …)}, an {@code Integer} variable would silently route while
     * an {@code int} literal would not.
     *
     * @throws IllegalArgumentException if the key is null
     * @throws ShardingException        if the router cannot place it
     */
    public long putByKey(Object shardKey, String kind, Map<String, ?> attributes) {
        return put(sharding.shardOf(shardKey), kind, attributes);
    }

    /**
     * The entity with {@code id}, read from the logical shard its bits name; empty if that shard has no such
     * row.
     *
     * @throws ShardingException if {@code id} is not an ID of this store: negative, or carrying a logical
     *                           shard the map does not have; or if the database fails
     */
    public Optional<Entity> get(long id) {
        int shard = shardOf(id);
        Optional<Record3<String, JSONB, OffsetDateTime>> row;
        try {
            row = sharding.onShard(shard).select(KIND, ATTRIBUTES, CREATED_AT).from(tables.get(shard))
                .where(ID.eq(id)).fetchOptional();
        } catch (DataAccessException e) {
            throw failed("get of ID " + id, shard, e);
        }
        return row.map(r -> new Entity(id, r.value1(), JsonText.readObject(r.value2().data()),
            r.value3().toInstant()));
    }

    /**
     * The logical shard {@code id} carries, checked against the map.
     *
     * @throws ShardingException if {@code id} is negative or its shard is not below the map's shard count
     */
    public int shardOf(long id) {
        if (id < 0)
            throw new ShardingException("ID " + id + " is negative, so it is not an entity ID: IDs of layout epoch "
                + layout.epoch() + " are positive");
        int shard = layout.shardOf(id);
        int n = sharding.map().logicalShards();
        if (shard >= n)
            throw new ShardingException("ID " + id + " carries logical shard " + shard + ", but sharding '"
                + sharding.name() + "' has " + n + " logical shards [0, " + n + "): not an ID of this store"
                + " (a number that is not an ID, or an ID of another map)", shard, null, null);
        return shard;
    }

    @Override
    public String toString() {
        return "EntityStore[sharding=" + sharding.name() + ", table=" + table + ", epoch=" + layout.epoch() + "]";
    }

    private static void checkKind(String kind) {
        Objects.requireNonNull(kind, "kind");
        if (kind.isBlank())
            throw new IllegalArgumentException("kind must not be blank: it names what the entity is, such as 'user'");
        if (kind.length() > MAX_KIND_LENGTH)
            throw new IllegalArgumentException("kind is " + kind.length() + " characters long; at most "
                + MAX_KIND_LENGTH + " are accepted: a kind names a type, keep data in the attributes");
        if (kind.indexOf('\0') >= 0)
            throw new IllegalArgumentException("kind contains the NUL character (U+0000), which PostgreSQL text cannot hold");
    }

    private ShardingException failed(String what, int shard, DataAccessException e) {
        String server = sharding.serverOf(shard).name();
        return new ShardingException(what + " failed on logical shard " + shard + " (table "
            + sharding.schemaOf(shard) + "." + table + " on physical server " + server + "): " + e.getMessage(),
            shard, server, e);
    }


    /** Collects a store's options; each may be set once. Not thread-safe. */
    public static final class Builder {
        private final Sharding sharding;
        private @Nullable ShardIdLayout layout;
        private @Nullable String table;

        private Builder(Sharding sharding) {
            this.sharding = Objects.requireNonNull(sharding, "sharding");
        }

        /** The layout of the IDs; required. Never change its epoch once IDs exist. */
        public Builder layout(ShardIdLayout layout) {
            Options.once("layout", this.layout);
            this.layout = Objects.requireNonNull(layout, "layout");
            return this;
        }

        /** The table's name in each shard schema; default {@link #DEFAULT_TABLE}. A plain identifier. */
        public Builder table(String table) {
            Options.once("table", this.table);
            Objects.requireNonNull(table, "table");
            if (!IDENTIFIER.matcher(table).matches())
                throw new IllegalArgumentException("table name '" + table + "' is not a plain identifier: use 1 to 63 ASCII"
                    + " letters, digits or _, not starting with a digit");
            this.table = table;
            return this;
        }

        /**
         * The store, checked against the sharding's map.
         *
         * @throws IllegalStateException    if no layout was given
         * @throws IllegalArgumentException if the map has more shards than IDs can carry, or a shard's schema
         *                                  name is not a plain identifier
         */
        public EntityStore build() {
            if (layout == null)
                throw new IllegalStateException("layout(ShardIdLayout) is required: it fixes the epoch of the store's IDs");
            return new EntityStore(sharding, layout, table != null ? table : DEFAULT_TABLE);
        }
    }
}
