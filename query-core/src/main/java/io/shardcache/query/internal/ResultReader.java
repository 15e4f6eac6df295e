package io.shardcache.query.internal;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.exception.SQLDialectNotSupportedException;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultDataType;
import org.jooq.impl.SQLDataType;

/**
 * Reads a JDBC result set into a jOOQ result, inferring each column's type from the driver's
 * metadata as jOOQ's plain-SQL API does, with one change: temporal columns are read as
 * {@code java.time} values. jOOQ infers {@code time}, {@code date} and {@code timestamp} as the
 * legacy {@code java.sql} classes, and {@code java.sql.Time} keeps no fraction of a second, so a
 * cached {@code LocalTime} would lose its microseconds; read as {@code java.time}, every query
 * field (typed or plain SQL) converts from the full value exactly as from a live result set.
 *
 * <p>A PostgreSQL enum whose Java {@code EnumType} is registered with jOOQ (as generated code does)
 * is read as {@code OTHER}: the driver hands over its label, which a typed enum field converts just
 * as it does from a live row. A plain-SQL read of such a column sees the label (a {@code String})
 * where a live plain-SQL read would see the registered Java enum.
 */
final class ResultReader {

    private ResultReader() {
    }

    static Result<Record> read(DSLContext reader, ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int n = meta.getColumnCount();
        Field<?>[] fields = new Field<?>[n];
        for (int i = 1; i <= n; i++)
            fields[i - 1] = DSL.field(DSL.name(meta.getColumnLabel(i)), type(reader, meta, i));
        return reader.fetch(rs, fields);
    }

    private static DataType<?> type(DSLContext reader, ResultSetMetaData meta, int i) throws SQLException {
        String typeName = meta.getColumnTypeName(i);
        if (typeName == null)
            return SQLDataType.OTHER;
        DataType<?> t;
        try {
            t = DefaultDataType.getDataType(reader.dialect(), typeName);
        } catch (SQLDialectNotSupportedException e) {
            return SQLDataType.OTHER;
        }
        int precision = meta.getPrecision(i);
        int scale = meta.getScale(i);
        Class<?> type = t.getType();
        if (t.isEnum())
            return SQLDataType.OTHER;
        if (type == java.sql.Time.class)
            t = SQLDataType.LOCALTIME;
        else if (type == java.sql.Date.class)
            t = SQLDataType.LOCALDATE;
        else if (type == java.sql.Timestamp.class)
            t = SQLDataType.LOCALDATETIME;
        if (t.hasPrecision() && precision > 0)
            t = t.precision(precision);
        if (t.hasScale())
            t = t.scale(scale);
        if (t.hasLength() && precision > 0)
            t = t.length(precision);
        return t;
    }
}
