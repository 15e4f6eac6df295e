package io.shardcache.query.internal;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PreparedStatement} on which every operation fails with a message naming the method.
 *
 * <p>{@link CachedReadStatement} extends it and implements what jOOQ calls when it runs a read.
 * Anything else (batches, generated keys, output parameters, streams) is not something a cached
 * read can honour, so it fails loudly rather than doing something half right. The methods are
 * generated from the JDBC interface, one per line, because they carry no logic.
 */
abstract class RejectingPreparedStatement implements PreparedStatement {

    SQLException unsupported(String method) {
        return new SQLFeatureNotSupportedException(
            "shardcache: " + method + "() is not supported on a statement tagged fromCache(...); "
                + "only reads (select, values, with ... select) are cached, run other statements on the plain DSLContext");
    }

    @Override public void addBatch() throws SQLException { throw unsupported("addBatch"); }
    @Override public void addBatch(String a0) throws SQLException { throw unsupported("addBatch"); }
    @Override public void cancel() throws SQLException { throw unsupported("cancel"); }
    @Override public void clearBatch() throws SQLException { throw unsupported("clearBatch"); }
    @Override public void clearParameters() throws SQLException { throw unsupported("clearParameters"); }
    @Override public void clearWarnings() throws SQLException { throw unsupported("clearWarnings"); }
    @Override public void closeOnCompletion() throws SQLException { throw unsupported("closeOnCompletion"); }
    @Override public void close() throws SQLException { throw unsupported("close"); }
    @Override public int[] executeBatch() throws SQLException { throw unsupported("executeBatch"); }
    @Override public ResultSet executeQuery() throws SQLException { throw unsupported("executeQuery"); }
    @Override public ResultSet executeQuery(String a0) throws SQLException { throw unsupported("executeQuery"); }
    @Override public int executeUpdate() throws SQLException { throw unsupported("executeUpdate"); }
    @Override public int executeUpdate(String a0, int[] a1) throws SQLException { throw unsupported("executeUpdate"); }
    @Override public int executeUpdate(String a0, String[] a1) throws SQLException { throw unsupported("executeUpdate"); }
    @Override public int executeUpdate(String a0, int a1) throws SQLException { throw unsupported("executeUpdate"); }
    @Override public int executeUpdate(String a0) throws SQLException { throw unsupported("executeUpdate"); }
    @Override public boolean execute() throws SQLException { throw unsupported("execute"); }
    @Override public boolean execute(String a0, int[] a1) throws SQLException { throw unsupported("execute"); }
    @Override public boolean execute(String a0, String[] a1) throws SQLException { throw unsupported("execute"); }
    @Override public boolean execute(String a0, int a1) throws SQLException { throw unsupported("execute"); }
    @Override public boolean execute(String a0) throws SQLException { throw unsupported("execute"); }
    @Override public Connection getConnection() throws SQLException { throw unsupported("getConnection"); }
    @Override public int getFetchDirection() throws SQLException { throw unsupported("getFetchDirection"); }
    @Override public int getFetchSize() throws SQLException { throw unsupported("getFetchSize"); }
    @Override public ResultSet getGeneratedKeys() throws SQLException { throw unsupported("getGeneratedKeys"); }
    @Override public int getMaxFieldSize() throws SQLException { throw unsupported("getMaxFieldSize"); }
    @Override public int getMaxRows() throws SQLException { throw unsupported("getMaxRows"); }
    @Override public @Nullable ResultSetMetaData getMetaData() throws SQLException { throw unsupported("getMetaData"); }
    @Override public boolean getMoreResults() throws SQLException { throw unsupported("getMoreResults"); }
    @Override public boolean getMoreResults(int a0) throws SQLException { throw unsupported("getMoreResults"); }
    @Override public ParameterMetaData getParameterMetaData() throws SQLException { throw unsupported("getParameterMetaData"); }
    @Override public int getQueryTimeout() throws SQLException { throw unsupported("getQueryTimeout"); }
    @Override public int getResultSetConcurrency() throws SQLException { throw unsupported("getResultSetConcurrency"); }
    @Override public int getResultSetHoldability() throws SQLException { throw unsupported("getResultSetHoldability"); }
    @Override public int getResultSetType() throws SQLException { throw unsupported("getResultSetType"); }
    @Override public @Nullable ResultSet getResultSet() throws SQLException { throw unsupported("getResultSet"); }
    @Override public int getUpdateCount() throws SQLException { throw unsupported("getUpdateCount"); }
    @Override public @Nullable SQLWarning getWarnings() throws SQLException { throw unsupported("getWarnings"); }
    @Override public boolean isCloseOnCompletion() throws SQLException { throw unsupported("isCloseOnCompletion"); }
    @Override public boolean isClosed() throws SQLException { throw unsupported("isClosed"); }
    @Override public boolean isPoolable() throws SQLException { throw unsupported("isPoolable"); }
    @Override public boolean isWrapperFor(Class<?> a0) throws SQLException { throw unsupported("isWrapperFor"); }
    @Override public void setArray(int a0, Array a1) throws SQLException { throw unsupported("setArray"); }
    @Override public void setAsciiStream(int a0, InputStream a1, int a2) throws SQLException { throw unsupported("setAsciiStream"); }
    @Override public void setAsciiStream(int a0, InputStream a1, long a2) throws SQLException { throw unsupported("setAsciiStream"); }
    @Override public void setAsciiStream(int a0, InputStream a1) throws SQLException { throw unsupported("setAsciiStream"); }
    @Override public void setBigDecimal(int a0, BigDecimal a1) throws SQLException { throw unsupported("setBigDecimal"); }
    @Override public void setBinaryStream(int a0, InputStream a1, int a2) throws SQLException { throw unsupported("setBinaryStream"); }
    @Override public void setBinaryStream(int a0, InputStream a1, long a2) throws SQLException { throw unsupported("setBinaryStream"); }
    @Override public void setBinaryStream(int a0, InputStream a1) throws SQLException { throw unsupported("setBinaryStream"); }
    @Override public void setBlob(int a0, InputStream a1, long a2) throws SQLException { throw unsupported("setBlob"); }
    @Override public void setBlob(int a0, InputStream a1) throws SQLException { throw unsupported("setBlob"); }
    @Override public void setBlob(int a0, Blob a1) throws SQLException { throw unsupported("setBlob"); }
    @Override public void setBoolean(int a0, boolean a1) throws SQLException { throw unsupported("setBoolean"); }
    @Override public void setByte(int a0, byte a1) throws SQLException { throw unsupported("setByte"); }
    @Override public void setBytes(int a0, byte[] a1) throws SQLException { throw unsupported("setBytes"); }
    @Override public void setCharacterStream(int a0, Reader a1, int a2) throws SQLException { throw unsupported("setCharacterStream"); }
    @Override public void setCharacterStream(int a0, Reader a1, long a2) throws SQLException { throw unsupported("setCharacterStream"); }
    @Override public void setCharacterStream(int a0, Reader a1) throws SQLException { throw unsupported("setCharacterStream"); }
    @Override public void setClob(int a0, Reader a1, long a2) throws SQLException { throw unsupported("setClob"); }
    @Override public void setClob(int a0, Reader a1) throws SQLException { throw unsupported("setClob"); }
    @Override public void setClob(int a0, Clob a1) throws SQLException { throw unsupported("setClob"); }
    @Override public void setCursorName(String a0) throws SQLException { throw unsupported("setCursorName"); }
    @Override public void setDate(int a0, Date a1, Calendar a2) throws SQLException { throw unsupported("setDate"); }
    @Override public void setDate(int a0, Date a1) throws SQLException { throw unsupported("setDate"); }
    @Override public void setDouble(int a0, double a1) throws SQLException { throw unsupported("setDouble"); }
    @Override public void setEscapeProcessing(boolean a0) throws SQLException { throw unsupported("setEscapeProcessing"); }
    @Override public void setFetchDirection(int a0) throws SQLException { throw unsupported("setFetchDirection"); }
    @Override public void setFetchSize(int a0) throws SQLException { throw unsupported("setFetchSize"); }
    @Override public void setFloat(int a0, float a1) throws SQLException { throw unsupported("setFloat"); }
    @Override public void setInt(int a0, int a1) throws SQLException { throw unsupported("setInt"); }
    @Override public void setLong(int a0, long a1) throws SQLException { throw unsupported("setLong"); }
    @Override public void setMaxFieldSize(int a0) throws SQLException { throw unsupported("setMaxFieldSize"); }
    @Override public void setMaxRows(int a0) throws SQLException { throw unsupported("setMaxRows"); }
    @Override public void setNCharacterStream(int a0, Reader a1, long a2) throws SQLException { throw unsupported("setNCharacterStream"); }
    @Override public void setNCharacterStream(int a0, Reader a1) throws SQLException { throw unsupported("setNCharacterStream"); }
    @Override public void setNClob(int a0, Reader a1, long a2) throws SQLException { throw unsupported("setNClob"); }
    @Override public void setNClob(int a0, Reader a1) throws SQLException { throw unsupported("setNClob"); }
    @Override public void setNClob(int a0, NClob a1) throws SQLException { throw unsupported("setNClob"); }
    @Override public void setNString(int a0, String a1) throws SQLException { throw unsupported("setNString"); }
    @Override public void setNull(int a0, int a1, String a2) throws SQLException { throw unsupported("setNull"); }
    @Override public void setNull(int a0, int a1) throws SQLException { throw unsupported("setNull"); }
    @Override public void setObject(int a0, Object a1, int a2, int a3) throws SQLException { throw unsupported("setObject"); }
    @Override public void setObject(int a0, Object a1, int a2) throws SQLException { throw unsupported("setObject"); }
    @Override public void setObject(int a0, Object a1) throws SQLException { throw unsupported("setObject"); }
    @Override public void setPoolable(boolean a0) throws SQLException { throw unsupported("setPoolable"); }
    @Override public void setQueryTimeout(int a0) throws SQLException { throw unsupported("setQueryTimeout"); }
    @Override public void setRef(int a0, Ref a1) throws SQLException { throw unsupported("setRef"); }
    @Override public void setRowId(int a0, RowId a1) throws SQLException { throw unsupported("setRowId"); }
    @Override public void setSQLXML(int a0, SQLXML a1) throws SQLException { throw unsupported("setSQLXML"); }
    @Override public void setShort(int a0, short a1) throws SQLException { throw unsupported("setShort"); }
    @Override public void setString(int a0, String a1) throws SQLException { throw unsupported("setString"); }
    @Override public void setTime(int a0, Time a1, Calendar a2) throws SQLException { throw unsupported("setTime"); }
    @Override public void setTime(int a0, Time a1) throws SQLException { throw unsupported("setTime"); }
    @Override public void setTimestamp(int a0, Timestamp a1, Calendar a2) throws SQLException { throw unsupported("setTimestamp"); }
    @Override public void setTimestamp(int a0, Timestamp a1) throws SQLException { throw unsupported("setTimestamp"); }
    @Override public void setURL(int a0, java.net.URL a1) throws SQLException { throw unsupported("setURL"); }
    @Override public void setUnicodeStream(int a0, InputStream a1, int a2) throws SQLException { throw unsupported("setUnicodeStream"); }
    @Override public <T> T unwrap(Class<T> a0) throws SQLException { throw unsupported("unwrap"); }
}
