package io.shardcache.benchmarks;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import org.jooq.Record;
import org.jooq.TableField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.impl.TableImpl;

/**
 * The benchmark table, declared the way jOOQ's code generator declares one: a {@link TableImpl} in
 * its schema with typed {@link TableField}s. That matters for what is measured: jOOQ then renders
 * the column list and builds records from known fields, as in an application, instead of
 * rendering {@code select *} and deriving the fields from the result set's metadata on every fetch.
 * Only the schema name is chosen at run time ({@code bench_<random>}).
 */
public final class RowsTable extends TableImpl<Record> {

    public final TableField<Record, Long> ID = createField(DSL.name("id"), SQLDataType.BIGINT.nullable(false), this, "");
    public final TableField<Record, String> NAME = createField(DSL.name("name"), SQLDataType.CLOB.nullable(false), this, "");
    public final TableField<Record, BigDecimal> PRICE = createField(DSL.name("price"), SQLDataType.NUMERIC(10, 2), this, "");
    public final TableField<Record, OffsetDateTime> CREATED_AT =
        createField(DSL.name("created_at"), SQLDataType.TIMESTAMPWITHTIMEZONE(6).nullable(false), this, "");
    public final TableField<Record, Boolean> ACTIVE = createField(DSL.name("active"), SQLDataType.BOOLEAN.nullable(false), this, "");

    RowsTable(String schema) {
        super(DSL.name("rows"), DSL.schema(DSL.name(schema)));
    }
}
