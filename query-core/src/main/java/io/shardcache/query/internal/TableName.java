package io.shardcache.query.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jooq.Name;
import org.jooq.Schema;
import org.jooq.Table;
import org.jooq.impl.QOM;

/**
 * A table's identity for invalidation: its schema's name and its own, as the jOOQ model declares
 * them (what jOOQ renders before any render mapping), joined with {@code '.'}: {@code public.items},
 * or just {@code items} for a table declared without a schema. Explicitly unquoted parts are
 * lower-cased, as PostgreSQL folds them; the others are kept as written (see {@link QueryTables}).
 * A quoted name containing a dot could collide with a qualified one; a collision only merges two
 * tables' generations, which over-invalidates and is safe. Immutable.
 */
public record TableName(String value) {

    public TableName {
        if (value == null || value.isEmpty())
            throw new IllegalArgumentException("a table name must not be empty");
    }

    /**
     * The name of {@code table}, or of the table a {@link QOM.TableAlias} wraps. An aliased
     * generated table does not say what it aliases: its name is the alias. The analyzer never
     * names one, it sees the aliased table rendered under it.
     */
    public static TableName of(Table<?> table) {
        Table<?> t = QueryTables.unalias(table);
        // Generated tables are constructed with their bare name and return their schema from
        // getSchema(), which is also what jOOQ renders; DSL.table(Name) derives getSchema() from its name.
        List<String> parts = new ArrayList<>();
        Schema schema = t.getSchema();
        if (schema != null)
            parts.add(normalize(schema.getQualifiedName()));
        parts.add(normalize(t.getUnqualifiedName()));
        return new TableName(String.join(".", parts));
    }

    static String normalize(Name name) {
        List<String> parts = new ArrayList<>();
        for (Name part : name.parts())
            if (!part.empty()) {
                String first = Objects.requireNonNull(part.first(), "a part that is not empty has a name");
                parts.add(part.quoted() == Name.Quoted.UNQUOTED ? first.toLowerCase(Locale.ROOT) : first);
            }
        return String.join(".", parts);
    }

    @Override
    public String toString() {
        return value;
    }
}
