package io.shardcache.query.internal;

import java.lang.reflect.Constructor;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import org.jooq.Configuration;
import org.jooq.Converter;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSON;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.Select;
import org.jooq.TableRecord;
import org.jooq.impl.IdentityConverter;
import org.jooq.exception.DataAccessException;
import org.jspecify.annotations.Nullable;

/**
 * The records a prepared read returns: the query's own record type, each value read from the cached
 * rows as jOOQ's binding and the field's converter read it from a live row.
 *
 * <p>jOOQ reads a column in two steps: its binding reads the database type {@code T} from the
 * result set, then the field's converter turns {@code T} into the user type {@code U}, also for NULL
 * (a converter may map NULL to a new empty collection). The cached rows are read through a
 * {@link PgTextResultSet}, which answers every getter as the driver does on the live row. When every
 * field's {@code T} is one whose default binding is a single getter (integers, decimals, text,
 * booleans, bytes, UUID, JSON), that getter is called here directly, skipping jOOQ's fetch
 * machinery on a hit; otherwise jOOQ's own bindings read the result set.
 *
 * <p>What this cannot reproduce is refused when the read is prepared: a custom {@code Binding}
 * (its {@code get} may do anything), the {@code fetchTrimmedCharValues} setting (applied by the
 * binding), {@code RecordListener}s (they would see the record before its values), and queries whose
 * fields jOOQ does not know ({@code select *}, plain SQL).
 *
 * <p>Immutable and thread-safe: the template record is only ever copied, never changed.
 */
final class RecordShape {

    private final DSLContext dsl;
    private final Record template;
    /** A generated record's no-arg constructor, resolved once; null for jOOQ's own record types. */
    private final @Nullable Constructor<? extends Record> constructor;
    private final Field<?>[] fields;
    /** Per field: the converter from the database type, or null when it is the identity. */
    private final @Nullable Converter<Object, Object>[] converters;
    /** Per field: how its binding reads the database value; all set, or {@link #direct} is false. */
    private final @Nullable Reader[] readers;
    private final boolean direct;

    @SuppressWarnings("unchecked")
    private RecordShape(DSLContext dsl, Record template, @Nullable Constructor<? extends Record> constructor) {
        this.dsl = dsl;
        this.template = template;
        this.constructor = constructor;
        this.fields = template.fields();
        this.converters = new Converter[fields.length];
        this.readers = new Reader[fields.length];
        boolean all = true;
        for (int i = 0; i < fields.length; i++) {
            Converter<?, ?> c = fields[i].getConverter();
            converters[i] = c instanceof IdentityConverter<?> ? null : (Converter<Object, Object>) c;
            Reader r = reader(c.fromType());
            readers[i] = r;
            all &= r != null;
        }
        this.direct = all;
    }

    /**
     * The shape of {@code query}'s records, attached to {@code dsl}'s configuration.
     *
     * @throws IllegalArgumentException naming what a prepared read cannot reproduce
     */
    static RecordShape of(DSLContext dsl, ResultQuery<?> query, String sql) {
        Configuration c = dsl.configuration();
        // The select list, as a live fetch builds its records from: fields() may qualify them with an alias.
        Field<?>[] fields = query instanceof Select<?> select && !select.getSelect().isEmpty()
            ? select.getSelect().toArray(Field<?>[]::new) : query.fields();
        if (fields.length == 0)
            throw refuse(sql, "jOOQ does not know the fields it selects (select *, or plain SQL)");
        if (c.recordListenerProviders().length > 0)
            throw refuse(sql, "the DSL has RecordListeners, which a prepared read cannot run on cached rows");
        if (Boolean.TRUE.equals(c.settings().isFetchTrimmedCharValues()))
            throw refuse(sql, "the DSL's settings say fetchTrimmedCharValues, which jOOQ's bindings apply on read");
        for (Field<?> f : fields) {
            if (f.getDataType().isArray() || f.getDataType().getType() == org.jooq.XML.class)
                throw refuse(sql, "field " + f.getName() + " is " + (f.getDataType().isArray() ? "an array" : "xml")
                    + ", which the driver reads into objects that need a live connection, so its reads are never cached");
            String binding = f.getBinding().getClass().getName();
            if (!binding.startsWith("org.jooq.impl."))
                throw refuse(sql, "field " + f.getName() + " reads with the custom binding " + binding
                    + ", which a prepared read cannot run on cached values");
        }
        Constructor<? extends Record> constructor = generatedConstructor(query.getRecordType());
        Record template = constructor != null ? construct(constructor, c) : dsl.newRecord(fields);
        if (template.fields().length != fields.length)
            throw refuse(sql, "its record type " + template.getClass().getName() + " has " + template.fields().length
                + " fields where the query selects " + fields.length + " (an embeddable?)");
        return new RecordShape(dsl, template, constructor);
    }

    private static IllegalArgumentException refuse(String sql, String why) {
        return new IllegalArgumentException("cannot prepare " + sql + ": " + why + "; use fromCache(region) for this query");
    }

    /**
     * The no-arg constructor of a generated record type, which jOOQ's record factory calls for every
     * fetched row; null for jOOQ's own types, which {@code newRecord(fields)} (and a copy of it) builds
     * as a fetch does, picking the {@code RecordN} implementation by degree.
     */
    private static @Nullable Constructor<? extends Record> generatedConstructor(Class<? extends Record> type) {
        if (!TableRecord.class.isAssignableFrom(type) || type.getName().startsWith("org.jooq.impl."))
            return null;
        try {
            Constructor<? extends Record> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("cannot prepare a read of " + type.getName()
                + ": its no-arg constructor cannot be called (" + e + "); use fromCache(region) for this query", e);
        }
    }

    private static Record construct(Constructor<? extends Record> constructor, Configuration configuration) {
        try {
            Record r = constructor.newInstance();
            if (!Boolean.FALSE.equals(configuration.settings().isAttachRecords()))   // as jOOQ attaches fetched records
                r.attach(configuration);
            return r;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + constructor.getDeclaringClass().getName(), e);
        }
    }

    /** An empty record: the constructor once resolved (jOOQ's copy would look it up again per row), or a copy of the template. */
    Record newRecord() {
        return constructor != null ? construct(constructor, dsl.configuration()) : template.original();
    }

    Result<Record> newResult() {
        return dsl.newResult(fields);
    }

    /**
     * Cached rows as this query's records: each value read from a {@link PgTextResultSet} over them as
     * the field's jOOQ binding reads it from a live result set, then through the field's converter.
     */
    Result<Record> records(Result<Record> rows) {
        if (rows.fields().length != fields.length)
            throw new IllegalStateException("the rows have " + rows.fields().length + " columns, the query " + fields.length);
        try (PgTextResultSet rs = new PgTextResultSet(rows)) {
            return records(rs);
        } catch (SQLException e) {
            throw new DataAccessException("reading cached rows: " + e.getMessage(), e);
        }
    }

    /** A result set's rows (cached or live) as this query's records. */
    Result<Record> records(ResultSet rs) throws SQLException {
        int n = fields.length;
        Result<Record> out = newResult();
        if (!direct) {
            // jOOQ's own bindings read the rows; copied into records of the query's own type.
            for (Record row : dsl.fetch(rs, fields)) {
                Record r = newRecord();
                for (int i = 0; i < n; i++)
                    set(r, i, row.get(i));
                r.changed(false);
                out.add(r);
            }
            return out;
        }
        while (rs.next()) {
            Record r = newRecord();
            for (int i = 0; i < n; i++) {
                Object v;
                try {
                    v = java.util.Objects.requireNonNull(readers[i], "direct").read(rs, i + 1);
                } catch (SQLException e) {   // as jOOQ reports a binding's failure
                    throw new DataAccessException("Error while reading field: " + fields[i] + ", at JDBC index: " + (i + 1), e);
                }
                Converter<Object, Object> c = converters[i];
                if (c != null)
                    set(r, i, c.from(v));
                else if (v != null)
                    set(r, i, v);
            }
            r.changed(false);
            out.add(r);
        }
        return out;
    }

    /** Reads a column's database value as jOOQ's default binding of its type does on PostgreSQL. */
    @FunctionalInterface
    private interface Reader {
        @Nullable Object read(ResultSet rs, int column) throws SQLException;
    }

    /** The reader for values of {@code type}, or null when only jOOQ's own bindings may read it. */
    private static @Nullable Reader reader(Class<?> type) {
        if (type == Integer.class)
            return (rs, i) -> { int v = rs.getInt(i); return rs.wasNull() ? null : v; };
        if (type == Long.class)
            return (rs, i) -> { long v = rs.getLong(i); return rs.wasNull() ? null : v; };
        if (type == Short.class)
            return (rs, i) -> { short v = rs.getShort(i); return rs.wasNull() ? null : v; };
        if (type == Boolean.class)
            return (rs, i) -> { boolean v = rs.getBoolean(i); return rs.wasNull() ? null : v; };
        if (type == BigDecimal.class)
            return ResultSet::getBigDecimal;
        if (type == String.class)
            return ResultSet::getString;
        if (type == byte[].class)
            return ResultSet::getBytes;
        if (type == UUID.class)
            return (rs, i) -> {
                Object o = rs.getObject(i);
                return o == null || o instanceof UUID ? o : UUID.fromString(o.toString());
            };
        if (type == JSON.class)
            return (rs, i) -> { String v = rs.getString(i); return v == null ? null : JSON.valueOf(v); };
        if (type == JSONB.class)
            return (rs, i) -> { String v = rs.getString(i); return v == null ? null : JSONB.valueOf(v); };
        return null;
    }

    @SuppressWarnings("unchecked")
    void set(Record r, int column, @Nullable Object value) {
        r.set((Field<Object>) fields[column], value);
    }
}
