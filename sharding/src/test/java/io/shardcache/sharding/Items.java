package io.shardcache.sharding;

import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.DSL;

/** The test table, written against the application schema {@code app} as jOOQ code would be. */
final class Items {
    static final String APP_SCHEMA = "app";
    static final Table<Record> ITEMS = DSL.table(DSL.name(APP_SCHEMA, "items"));
    static final Field<Long> ID = DSL.field(DSL.name("id"), Long.class);
    static final Field<Integer> SHARD = DSL.field(DSL.name("shard"), Integer.class);
    static final Field<String> NAME = DSL.field(DSL.name("name"), String.class);

    /** Creates a shard: its schema and the items table, whose rows say which shard wrote them. */
    static final String TEMPLATE = """
        create schema %{name};
        create table %{name}.items (id bigint primary key, shard int not null check (shard = %{shard}), name text not null)""";

    /** Modulo over Long keys, written here so the tests do not depend on Routers. */
    static final ShardRouter MODULO = (key, shards) -> {
        if (!(key instanceof Long id))
            throw new IllegalArgumentException("modulo places Long keys, not " + (key == null ? "null" : key.getClass().getName()));
        return Math.floorMod(id, shards);
    };

    private Items() {
    }
}
