package io.shardcache.query.internal;

import java.sql.SQLException;
import java.sql.Time;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.tools.jdbc.MockResultSet;
import org.jspecify.annotations.Nullable;

/**
 * A result set over cached rows: jOOQ's {@link MockResultSet}, with one correction so that every
 * getter answers as PostgreSQL's driver would on the live row. jOOQ converts a {@code LocalTime}
 * to {@code java.sql.Time} with {@code Time.valueOf}, which drops the fraction of a second; the
 * driver keeps the milliseconds. A plain-SQL read of a {@code time} column would otherwise differ
 * between a live and a cached execution.
 */
final class CachedResultSet extends MockResultSet {

    private static final LocalDate EPOCH = LocalDate.of(1970, 1, 1);

    CachedResultSet(Result<Record> rows) {
        super(rows);
    }

    @Override
    public @Nullable Time getTime(int columnIndex) throws SQLException {
        return getObject(columnIndex) instanceof LocalTime t ? time(t) : super.getTime(columnIndex);
    }

    @Override
    public @Nullable Time getTime(String columnLabel) throws SQLException {
        return getObject(columnLabel) instanceof LocalTime t ? time(t) : super.getTime(columnLabel);
    }

    private static Time time(LocalTime t) {
        return new Time(EPOCH.atTime(t).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli());
    }
}
