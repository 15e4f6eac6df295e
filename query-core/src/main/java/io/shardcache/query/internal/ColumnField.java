package io.shardcache.query.internal;

import org.jooq.Context;
import org.jooq.impl.CustomField;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * A column of cached rows: its value is the text PostgreSQL sent for it (what the driver's
 * {@code getString} returns), and {@link #meta} is what the driver said about the column. The rows
 * of a cached read are a jOOQ result of these fields; they never reach a user as they are: a
 * {@link PgTextResultSet} over them is read by jOOQ's own bindings, as a live result set would be.
 */
final class ColumnField extends CustomField<String> {

    final ColumnMeta meta;

    ColumnField(ColumnMeta meta) {
        super(DSL.name(meta.label()), SQLDataType.VARCHAR);
        this.meta = meta;
    }

    @SuppressWarnings("unchecked")
    static org.jooq.Field<Object> text(org.jooq.Field<?> f) {
        return (org.jooq.Field<Object>) f;
    }

    @Override
    public void accept(Context<?> ctx) {
        ctx.visit(DSL.name(meta.label()));
    }
}
