package io.shardcache.query.internal;

import io.shardcache.query.spi.SkipReason;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;

/**
 * Reads a live result set into cached rows: each cell as the text PostgreSQL sent (what pgjdbc's
 * {@code getString} returns on a result read in text format), each column with the driver's metadata.
 * Nothing is interpreted here, so nothing can be lost: {@link PgTextResultSet} later applies the
 * driver's own conversions to the same text, for whatever getter jOOQ's bindings or a user call.
 *
 * <p>Reading throws {@link Uncacheable} when the driver is not pgjdbc, or a column's type has driver objects
 * that need a live connection ({@link PgTextResultSet#cacheable}).
 */
final class ResultReader {

    private ResultReader() {
    }

    static Result<Record> read(DSLContext reader, ResultSet rs) throws SQLException {
        ColumnMeta[] meta = ColumnMeta.of(rs);
        if (meta == null)
            throw new Uncacheable(SkipReason.UNSUPPORTED_TYPE, true,
                "the result set is not PostgreSQL's JDBC driver's (pgjdbc), whose getters the cache reproduces");
        String why = PgTextResultSet.cacheable(meta);
        if (why != null)
            throw new Uncacheable(SkipReason.UNSUPPORTED_TYPE, true, why);
        int n = meta.length;
        Field<?>[] fields = new Field<?>[n];
        for (int i = 0; i < n; i++)
            fields[i] = new ColumnField(meta[i]);
        Result<Record> result = reader.newResult(fields);
        Record template = reader.newRecord(fields);
        while (rs.next()) {
            Record r = template.original();
            for (int i = 0; i < n; i++)
                r.set(ColumnField.text(fields[i]), rs.getString(i + 1));
            r.changed(false);
            result.add(r);
        }
        return result;
    }
}
