package io.shardcache.benchmarks;

import org.jooq.Record;
import org.jooq.TableField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.impl.TableImpl;

/**
 * A second benchmark table, one row per row of {@link RowsTable} ({@code row_id} = its id), declared as
 * jOOQ's code generator would, like {@link RowsTable}: a join of the two is a read whose cache entry
 * depends on two tables. {@link #create} makes and fills it in the schema of a {@link BenchDatabase},
 * which drops it with the schema.
 */
final class DetailsTable extends TableImpl<Record> {

    final TableField<Record, Long> ROW_ID = createField(DSL.name("row_id"), SQLDataType.BIGINT.nullable(false), this, "");
    final TableField<Record, String> NOTE = createField(DSL.name("note"), SQLDataType.CLOB.nullable(false), this, "");

    private DetailsTable(String schema) {
        super(DSL.name("details"), DSL.schema(DSL.name(schema)));
    }

    /** Creates {@code <schema>.details} next to {@code <schema>.rows} on the database's own (untracked) DSL and fills it. */
    static DetailsTable create(BenchDatabase db) {
        String schema = "\"" + db.schema() + "\"";
        db.dsl().execute("create table " + schema + ".details (row_id bigint primary key, note text not null)");
        db.dsl().execute("insert into " + schema + ".details select id, 'note ' || id from " + schema + ".rows");
        db.dsl().execute("analyze " + schema + ".details");
        return new DetailsTable(db.schema());
    }
}
