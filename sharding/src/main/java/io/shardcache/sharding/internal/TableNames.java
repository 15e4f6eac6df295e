package io.shardcache.sharding.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jooq.Schema;
import org.jooq.Table;

/** How a table is identified when matching a query's tables with the declared sharded tables. */
public final class TableNames {

    private TableNames() {
    }

    /**
     * A table's identity: its schema's name and its own name. Taken from {@code getSchema()} rather than the
     * qualified name, because jOOQ's generated tables carry an unqualified name and report their schema
     * through {@code getSchema()}, while {@code DSL.table(name("app", "users"))} derives it from its name.
     */
    public static List<String> key(Table<?> table) {
        Schema schema = table.getSchema();
        if (schema == null)
            return List.of(table.getQualifiedName().getName());
        List<String> parts = new ArrayList<>(Arrays.asList(schema.getQualifiedName().getName()));
        parts.add(table.getName());
        return List.copyOf(parts);
    }
}
