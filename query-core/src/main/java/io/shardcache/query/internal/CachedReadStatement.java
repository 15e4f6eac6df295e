package io.shardcache.query.internal;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.Calendar;
import org.jspecify.annotations.Nullable;

/**
 * The statement jOOQ gets for a read tagged {@code fromCache(region)}.
 *
 * <p>It records each bind exactly as set. On execution the {@link CachingExecutor} builds the key
 * material, asks the {@link DogpileEngine} for the rows, and answers with a {@link PgTextResultSet} over them, from which
 * jOOQ reads records through the query's own bindings exactly as from a live result set. On a miss,
 * the engine's loader prepares the same SQL on a real connection, replays the binds, and keeps each
 * cell as the text PostgreSQL sent, with the driver's column metadata. A read whose columns the cache
 * cannot reproduce ({@link PgTextResultSet#cacheable}) runs on the database and its live result set is
 * returned untouched, as inside a transaction.
 *
 * <p>Inside a transaction (a single connection not in auto-commit, or the user's
 * {@code inTransaction} test says so) the cache is bypassed: the statement runs on the real
 * connection and nothing is read from or written to the cache.
 */
final class CachedReadStatement extends RejectingPreparedStatement {

    private final CachingConnection connection;
    private final ReadContext context;
    private final String sql;
    private final int resultSetType;
    private final int resultSetConcurrency;
    private final int resultSetHoldability;
    private final Binds binds = new Binds();
    private long maxRows;
    private int queryTimeout;
    private int fetchSize;
    private @Nullable ResultSet current;
    private @Nullable PreparedStatement bypass;
    private final boolean cacheable;
    private boolean closed;

    /** {@code cacheable} is false only for a probe of a statement that is not a read: it runs nothing. */
    CachedReadStatement(CachingConnection connection, String sql, int type, int concurrency, int holdability, boolean cacheable) {
        this.connection = connection;
        this.context = connection.context();
        this.sql = sql;
        this.resultSetType = type;
        this.resultSetConcurrency = concurrency;
        this.resultSetHoldability = holdability;
        this.cacheable = cacheable;
    }

    // ---- execution ----------------------------------------------------------------------------

    @Override
    public ResultSet executeQuery() throws SQLException {
        open();
        closeCurrent();
        current = run();
        return current;
    }

    @Override
    public boolean execute() throws SQLException {
        executeQuery();
        return true;
    }

    /** The CachingExecutor's answer for this execution. */
    private ResultSet run() throws SQLException {
        return CachingExecutor.execute(context, connection::getDelegate, new CachingExecutor.Execution(sql, binds, maxRows,
            resultSetType, resultSetConcurrency, resultSetHoldability, queryTimeout), cacheable, this::live);
    }

    private ResultSet live() throws SQLException {
        if (bypass != null)
            bypass.close();   // a kept statement executed again
        bypass = StatementLoader.prepare(connection.getDelegate(), sql, resultSetType, resultSetConcurrency,
            resultSetHoldability, binds, maxRows, queryTimeout, fetchSize);
        return bypass.executeQuery();
    }

    @Override
    public @Nullable ResultSet getResultSet() {
        return current;
    }

    @Override
    public int getUpdateCount() {
        return -1;
    }

    @Override
    public long getLargeUpdateCount() {
        return -1;
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        closeCurrent();
        return false;
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        return getMoreResults();
    }

    @Override
    public void close() throws SQLException {
        if (closed)
            return;
        closed = true;
        try {
            closeCurrent();
        } finally {
            if (bypass != null)
                bypass.close();
        }
    }

    private void closeCurrent() throws SQLException {
        ResultSet rs = current;
        current = null;
        if (rs != null)
            rs.close();
    }

    private void open() throws SQLException {
        if (closed)
            throw new SQLException("shardcache: statement is closed");
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public Connection getConnection() {
        return connection;
    }

    @Override
    public void cancel() throws SQLException {
        if (bypass != null)
            bypass.cancel();
    }

    // ---- options jOOQ may set ---------------------------------------------------------------

    @Override
    public void setMaxRows(int max) throws SQLException {
        setLargeMaxRows(max);
    }

    @Override
    public void setLargeMaxRows(long max) throws SQLException {
        if (max < 0)
            throw new SQLException("maxRows must be >= 0, got " + max);
        maxRows = max;
    }

    @Override
    public int getMaxRows() {
        return (int) Math.min(Integer.MAX_VALUE, maxRows);
    }

    @Override
    public long getLargeMaxRows() {
        return maxRows;
    }

    @Override
    public void setQueryTimeout(int seconds) {
        queryTimeout = seconds;
    }

    @Override
    public int getQueryTimeout() {
        return queryTimeout;
    }

    @Override
    public void setFetchSize(int rows) {
        fetchSize = rows;   // a cached read is materialized whole; the size only matters on the wire
    }

    @Override
    public int getFetchSize() {
        return fetchSize;
    }

    @Override
    public void setFetchDirection(int direction) {
    }

    @Override
    public int getFetchDirection() {
        return ResultSet.FETCH_FORWARD;
    }

    @Override
    public void setEscapeProcessing(boolean enable) {
    }

    @Override
    public void setPoolable(boolean poolable) {
    }

    @Override
    public boolean isPoolable() {
        return false;
    }

    @Override
    public void closeOnCompletion() {
    }

    @Override
    public boolean isCloseOnCompletion() {
        return false;
    }

    @Override
    public int getResultSetType() {
        return resultSetType;
    }

    @Override
    public int getResultSetConcurrency() {
        return resultSetConcurrency;
    }

    @Override
    public int getResultSetHoldability() {
        return resultSetHoldability == 0 ? ResultSet.CLOSE_CURSORS_AT_COMMIT : resultSetHoldability;
    }

    @Override
    public @Nullable SQLWarning getWarnings() throws SQLException {
        return bypass == null ? null : bypass.getWarnings();
    }

    @Override
    public void clearWarnings() {
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this))
            return iface.cast(this);
        throw new SQLException("shardcache: a cached read statement does not wrap " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    // ---- binds: recorded with their setter and type ------------------------------------------

    @Override
    public void clearParameters() {
        binds.clear();
    }

    @Override
    public void setNull(int i, int sqlType) {
        binds.set(i, Binds.Kind.NULL, null, sqlType, 0, null);
    }

    @Override
    public void setNull(int i, int sqlType, @Nullable String typeName) {
        binds.set(i, Binds.Kind.NULL, null, sqlType, 0, typeName);
    }

    @Override
    public void setBoolean(int i, boolean x) {
        binds.set(i, Binds.Kind.BOOLEAN, x);
    }

    @Override
    public void setByte(int i, byte x) {
        binds.set(i, Binds.Kind.BYTE, x);
    }

    @Override
    public void setShort(int i, short x) {
        binds.set(i, Binds.Kind.SHORT, x);
    }

    @Override
    public void setInt(int i, int x) {
        binds.set(i, Binds.Kind.INT, x);
    }

    @Override
    public void setLong(int i, long x) {
        binds.set(i, Binds.Kind.LONG, x);
    }

    @Override
    public void setFloat(int i, float x) {
        binds.set(i, Binds.Kind.FLOAT, x);
    }

    @Override
    public void setDouble(int i, double x) {
        binds.set(i, Binds.Kind.DOUBLE, x);
    }

    @Override
    public void setBigDecimal(int i, @Nullable BigDecimal x) {
        set(i, Binds.Kind.BIG_DECIMAL, x, Types.NUMERIC);
    }

    @Override
    public void setString(int i, @Nullable String x) {
        set(i, Binds.Kind.STRING, x, Types.VARCHAR);
    }

    @Override
    public void setNString(int i, @Nullable String x) {
        set(i, Binds.Kind.NSTRING, x, Types.NVARCHAR);
    }

    @Override
    public void setBytes(int i, byte @Nullable [] x) {
        set(i, Binds.Kind.BYTES, x == null ? null : x.clone(), Types.VARBINARY);
    }

    @Override
    public void setDate(int i, @Nullable Date x) {
        set(i, Binds.Kind.DATE, x, Types.DATE);
    }

    @Override
    public void setDate(int i, @Nullable Date x, @Nullable Calendar cal) {
        binds.set(i, x == null ? Binds.Kind.NULL : Binds.Kind.DATE, x, Types.DATE, 0, cal);
    }

    @Override
    public void setTime(int i, @Nullable Time x) {
        set(i, Binds.Kind.TIME, x, Types.TIME);
    }

    @Override
    public void setTime(int i, @Nullable Time x, @Nullable Calendar cal) {
        binds.set(i, x == null ? Binds.Kind.NULL : Binds.Kind.TIME, x, Types.TIME, 0, cal);
    }

    @Override
    public void setTimestamp(int i, @Nullable Timestamp x) {
        set(i, Binds.Kind.TIMESTAMP, x, Types.TIMESTAMP);
    }

    @Override
    public void setTimestamp(int i, @Nullable Timestamp x, @Nullable Calendar cal) {
        binds.set(i, x == null ? Binds.Kind.NULL : Binds.Kind.TIMESTAMP, x, Types.TIMESTAMP, 0, cal);
    }

    @Override
    public void setObject(int i, @Nullable Object x) {
        binds.set(i, Binds.Kind.OBJECT, x);
    }

    @Override
    public void setObject(int i, @Nullable Object x, int targetSqlType) {
        binds.set(i, Binds.Kind.OBJECT_TYPED, x, targetSqlType, 0, null);
    }

    @Override
    public void setObject(int i, @Nullable Object x, int targetSqlType, int scaleOrLength) {
        binds.set(i, Binds.Kind.OBJECT_TYPED_SCALED, x, targetSqlType, scaleOrLength, null);
    }

    @Override
    public void setArray(int i, @Nullable Array x) {
        binds.set(i, Binds.Kind.ARRAY, x);
    }

    /** A null object value replays as a typed {@code setNull}, exactly what the driver would do. */
    private void set(int i, Binds.Kind kind, @Nullable Object x, int sqlTypeIfNull) {
        if (x == null)
            binds.set(i, Binds.Kind.NULL, null, sqlTypeIfNull, 0, null);
        else
            binds.set(i, kind, x);
    }
}
