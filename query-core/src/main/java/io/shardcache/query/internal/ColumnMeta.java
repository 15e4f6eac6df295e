package io.shardcache.query.internal;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.postgresql.jdbc.PgResultSet;

/**
 * What PostgreSQL's driver said about one column of a live result, kept with the cached rows so that a
 * cached result set answers every {@link ResultSetMetaData} call, and every getter, as the live one did.
 * jOOQ builds a plain-SQL result's fields from this metadata (names, table qualifiers, types with their
 * precision and scale), so a cached read infers exactly the fields a live read would.
 *
 * @param oid        the column's type OID as the driver received it (a domain's base type)
 * @param pgType     the type's name as the driver resolves the OID ({@code int4}, {@code json}, a user type)
 */
public record ColumnMeta(int oid, String pgType, String label, String name, String table, String schema, String catalog,
                         int sqlType, String typeName, int precision, int scale, int nullable, boolean signed,
                         boolean autoIncrement, boolean caseSensitive, boolean currency, int displaySize,
                         String className, boolean searchable, boolean readOnly, boolean writable, boolean definitelyWritable) {

    /**
     * The metadata of every column of a live pgjdbc result set, or null when the result set is not
     * pgjdbc's (another driver's getters cannot be reproduced, so its results are never cached).
     */
    static ColumnMeta @Nullable [] of(ResultSet rs) throws SQLException {
        if (!rs.isWrapperFor(PgResultSet.class))
            return null;
        PgResultSet pg = rs.unwrap(PgResultSet.class);
        ResultSetMetaData m = rs.getMetaData();
        int n = m.getColumnCount();
        ColumnMeta[] columns = new ColumnMeta[n];
        for (int i = 1; i <= n; i++) {
            String typeName = m.getColumnTypeName(i);
            boolean autoIncrement = m.isAutoIncrement(i);
            columns[i - 1] = new ColumnMeta(pg.getColumnOID(i), pgType(typeName, autoIncrement), m.getColumnLabel(i),
                m.getColumnName(i), m.getTableName(i), m.getSchemaName(i), m.getCatalogName(i), m.getColumnType(i), typeName,
                m.getPrecision(i), m.getScale(i), m.isNullable(i), m.isSigned(i), autoIncrement, m.isCaseSensitive(i),
                m.isCurrency(i), m.getColumnDisplaySize(i), m.getColumnClassName(i), m.isSearchable(i), m.isReadOnly(i),
                m.isWritable(i), m.isDefinitelyWritable(i));
        }
        return columns;
    }

    /** The driver reports an auto-increment integer column's type as serial; its values are the integer type's. */
    private static String pgType(String typeName, boolean autoIncrement) {
        if (!autoIncrement)
            return typeName;
        return switch (typeName) {
            case "serial" -> "int4";
            case "bigserial" -> "int8";
            case "smallserial" -> "int2";
            default -> typeName;
        };
    }
}
