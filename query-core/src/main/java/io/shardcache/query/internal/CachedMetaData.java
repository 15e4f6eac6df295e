package io.shardcache.query.internal;

import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/** A cached result's metadata: every answer the driver gave for the live result, kept in {@link ColumnMeta}. */
final class CachedMetaData implements ResultSetMetaData {

    private final ColumnMeta[] columns;

    CachedMetaData(ColumnMeta[] columns) {
        this.columns = columns;
    }

    private ColumnMeta c(int column) throws SQLException {
        if (column < 1 || column > columns.length)
            throw new PSQLException("The column index is out of range: " + column + ", number of columns: " + columns.length + ".",
                PSQLState.INVALID_PARAMETER_VALUE);
        return columns[column - 1];
    }

    @Override
    public int getColumnCount() {
        return columns.length;
    }

    @Override
    public boolean isAutoIncrement(int column) throws SQLException {
        return c(column).autoIncrement();
    }

    @Override
    public boolean isCaseSensitive(int column) throws SQLException {
        return c(column).caseSensitive();
    }

    @Override
    public boolean isSearchable(int column) throws SQLException {
        return c(column).searchable();
    }

    @Override
    public boolean isCurrency(int column) throws SQLException {
        return c(column).currency();
    }

    @Override
    public int isNullable(int column) throws SQLException {
        return c(column).nullable();
    }

    @Override
    public boolean isSigned(int column) throws SQLException {
        return c(column).signed();
    }

    @Override
    public int getColumnDisplaySize(int column) throws SQLException {
        return c(column).displaySize();
    }

    @Override
    public String getColumnLabel(int column) throws SQLException {
        return c(column).label();
    }

    @Override
    public String getColumnName(int column) throws SQLException {
        return c(column).name();
    }

    @Override
    public String getSchemaName(int column) throws SQLException {
        return c(column).schema();
    }

    @Override
    public int getPrecision(int column) throws SQLException {
        return c(column).precision();
    }

    @Override
    public int getScale(int column) throws SQLException {
        return c(column).scale();
    }

    @Override
    public String getTableName(int column) throws SQLException {
        return c(column).table();
    }

    @Override
    public String getCatalogName(int column) throws SQLException {
        return c(column).catalog();
    }

    @Override
    public int getColumnType(int column) throws SQLException {
        return c(column).sqlType();
    }

    @Override
    public String getColumnTypeName(int column) throws SQLException {
        return c(column).typeName();
    }

    @Override
    public boolean isReadOnly(int column) throws SQLException {
        return c(column).readOnly();
    }

    @Override
    public boolean isWritable(int column) throws SQLException {
        return c(column).writable();
    }

    @Override
    public boolean isDefinitelyWritable(int column) throws SQLException {
        return c(column).definitelyWritable();
    }

    @Override
    public String getColumnClassName(int column) throws SQLException {
        return c(column).className();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this))
            return iface.cast(this);
        throw new SQLException("shardcache: cached result metadata does not wrap " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
