package io.shardcache.query;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import java.math.BigDecimal;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.impl.SQLDataType;

/** The {@code items} table of {@link Db}, written as generated code would declare it. */
public final class Items {
    public static final Table<Record> ITEMS = table(name("items"));
    public static final Field<Integer> ID = field(name("items", "id"), SQLDataType.INTEGER.notNull());
    public static final Field<String> NAME = field(name("items", "name"), SQLDataType.CLOB.notNull());
    public static final Field<BigDecimal> PRICE = field(name("items", "price"), SQLDataType.NUMERIC(10, 2));

    private Items() {
    }
}
