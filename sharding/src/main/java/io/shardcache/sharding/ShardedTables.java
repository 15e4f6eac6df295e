package io.shardcache.sharding;

import io.shardcache.sharding.internal.TableNames;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.impl.QOM;

/**
 * Which tables are sharded, and by which column: what {@link QueryRouting} reads a query's shard from.
 *
 * <pre>{@code
 * ShardedTables tables = ShardedTables.builder()
 *     .table(USERS, USERS.ID)
 *     .table(ORDERS, ORDERS.USER_ID)
 *     .build();
 * }</pre>
 *
 * <p>A table is recognised in a query by its qualified name, exactly as it is declared here (jOOQ's code
 * generator qualifies tables with their schema, {@code "app"."users"}; declare the same object the queries
 * use). A table that is not declared is <em>unsharded</em>: {@link QueryRouting} never routes by it, and a
 * query that touches only unsharded tables is refused (it belongs on the unsharded database, or on a shard
 * picked explicitly with {@link Sharding#on(Object)}). Every sharded column's value must be routed by the
 * same {@link ShardRouter} as the rows were written with, so {@code ORDERS.USER_ID = 5} lands where
 * {@code USERS.ID = 5} does: co-locate related rows by sharding them by the same key.
 *
 * <p>Immutable and thread-safe.
 */
public final class ShardedTables {

    private final Map<List<String>, Entry> byName;

    private ShardedTables(Map<List<String>, Entry> byName) {
        this.byName = byName;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The shard-key column of {@code table} or of the declared table it aliases (see
     * {@link #declaredTableOf(Table)}), or empty if it is not sharded.
     */
    public Optional<Field<?>> shardKeyOf(Table<?> table) {
        return declaredTableOf(table).map(t -> Objects.requireNonNull(byName.get(TableNames.key(t)),
            () -> "entry of declared table " + t).column());
    }

    /**
     * The declared table that {@code table} is or aliases, or empty. An alias is recognised when it is a jOOQ
     * {@code TableAlias} ({@code DSL.table(...).as("u")}) or, as jOOQ's generated tables alias themselves with
     * an instance of their own class ({@code USERS.as("u")} is a {@code Users} named {@code u}), an instance
     * of a declared table's own subclass under another name.
     */
    public Optional<Table<?>> declaredTableOf(Table<?> table) {
        Objects.requireNonNull(table, "table");
        if (table instanceof QOM.Aliasable<?> a && a.$alias() != null) {
            if (!(a.$aliased() instanceof Table<?> base))
                return Optional.empty();
            // This very object: a table that is its own alias would recurse for ever. (jOOQ's equals
            // compares the rendered SQL, which an alias and its table never share anyway.)
            @SuppressWarnings("ReferenceEquality")
            boolean itself = base == table;
            return itself ? Optional.empty() : declaredTableOf(base);
        }
        Entry e = byName.get(TableNames.key(table));
        if (e != null)
            return Optional.of(e.table());
        for (Entry d : byName.values())
            if (d.table().getClass() == table.getClass() && !d.table().getClass().getPackageName().startsWith("org.jooq"))
                return Optional.of(d.table());
        return Optional.empty();
    }

    /** Whether {@code table} is itself (not an alias of) a declared table. */
    public boolean isDeclared(Table<?> table) {
        Objects.requireNonNull(table, "table");
        return !(table instanceof QOM.Aliasable<?> a && a.$alias() != null) && byName.containsKey(TableNames.key(table));
    }

    /** The declared tables, in declaration order. */
    public List<Table<?>> tables() {
        List<Table<?>> out = new ArrayList<>(byName.size());
        byName.values().forEach(e -> out.add(e.table()));
        return Collections.unmodifiableList(out);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ShardedTables[");
        String sep = "";
        for (Entry e : byName.values()) {
            b.append(sep).append(String.join(".", TableNames.key(e.table())))
                .append(" by ").append(e.column().getName());
            sep = ", ";
        }
        return b.append(']').toString();
    }

    private record Entry(Table<?> table, Field<?> column) {
    }

    /** Collects the declarations; each table may be declared once. Not thread-safe. */
    public static final class Builder {
        private final Map<List<String>, Entry> byName = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Declares {@code table} sharded by {@code column}. The column is matched in queries by its name and
         * its values are converted to its data type before routing, so a {@code BIGINT} key reaches the
         * router as a {@code Long} whichever Java type the query's bind value had.
         *
         * @throws IllegalArgumentException if the table is aliased, already declared, or {@code column} is a
         *                                  field of another table
         */
        public Builder table(Table<?> table, Field<?> column) {
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(column, () -> "shard-key column of " + table);
            if (table instanceof QOM.Aliasable<?> a && a.$alias() != null)
                throw new IllegalArgumentException("declare the table itself, not the alias " + a.$alias()
                    + ": every alias of a declared table is recognised");
            if (column instanceof TableField<?, ?> tf && tf.getTable() != null
                && !TableNames.key(tf.getTable()).equals(TableNames.key(table)))
                throw new IllegalArgumentException("shard-key column " + column + " belongs to table "
                    + String.join(".", TableNames.key(tf.getTable())) + ", not to " + String.join(".", TableNames.key(table)));
            Entry earlier = byName.get(TableNames.key(table));
            if (earlier != null)
                throw new IllegalArgumentException("table " + String.join(".", TableNames.key(table)) + " is already declared sharded by "
                    + earlier.column().getName() + "; it cannot also be sharded by " + column.getName()
                    + " (declare each table once)");
            byName.put(TableNames.key(table), new Entry(table, column));
            return this;
        }

        /**
         * The declared tables.
         *
         * @throws IllegalStateException if no table was declared
         */
        public ShardedTables build() {
            if (byName.isEmpty())
                throw new IllegalStateException("no sharded table declared: declare at least one with table(table, column)");
            return new ShardedTables(Collections.unmodifiableMap(new LinkedHashMap<>(byName)));
        }
    }
}
