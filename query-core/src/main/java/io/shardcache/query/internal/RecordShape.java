package io.shardcache.query.internal;

import java.lang.reflect.Constructor;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jooq.Configuration;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.Select;
import org.jooq.TableRecord;
import org.jooq.exception.DataAccessException;
import org.jspecify.annotations.Nullable;

/**
 * The records a prepared read returns: the query's own record type, each value read from the cached
 * rows as jOOQ's binding and the field's converter read it from a live row.
 *
 * <p>jOOQ reads a column in two steps: its binding reads the database type {@code T} from the
 * result set, then the field's converter turns {@code T} into the user type {@code U}, also for NULL
 * (a converter may map NULL to a new empty collection). The cached rows are read through a
 * {@link PgTextResultSet}, which answers every getter as the driver does on the live row, by each
 * field's own binding (and so its converter) called directly ({@link BindingReads}), without jOOQ's
 * fetch machinery.
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
    /** Whether every field's binding reads its value alone ({@link BindingReads}); else a full fetch reads the rows. */
    private final boolean readAlone;
    /**
     * The values read from cached rows, by the rows' identity (the engine decodes an entry once,
     * {@code DogpileEngine#decode}), so that a hit on the same entry builds its records without reading
     * the values again; null when a field's values may be mutable (each record must get its own).
     */
    private final @Nullable IdentityMemo<Result<Record>, @Nullable Object[][]> values;

    /** Value classes nobody can change, which records may share. */
    private static final java.util.Set<Class<?>> IMMUTABLE = java.util.Set.of(Boolean.class, Byte.class, Short.class,
        Integer.class, Long.class, java.math.BigInteger.class, java.math.BigDecimal.class, Float.class, Double.class,
        String.class, java.util.UUID.class, org.jooq.JSON.class, org.jooq.JSONB.class, java.time.LocalDate.class,
        java.time.LocalTime.class, java.time.LocalDateTime.class, java.time.OffsetDateTime.class, java.time.OffsetTime.class,
        java.time.Instant.class, org.jooq.types.YearToSecond.class, org.jooq.types.YearToMonth.class,
        org.jooq.types.DayToSecond.class);

    @SuppressWarnings("unchecked")
    private RecordShape(DSLContext dsl, Record template, @Nullable Constructor<? extends Record> constructor) {
        this.dsl = dsl;
        this.template = template;
        this.constructor = constructor;
        this.fields = template.fields();
        boolean alone = true, immutable = true;
        for (Field<?> f : fields) {
            alone &= BindingReads.readsAlone(f);
            immutable &= IMMUTABLE.contains(f.getType()) || f.getType().isEnum();
        }
        this.readAlone = alone;
        this.values = alone && immutable ? new IdentityMemo<>(64) : null;
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
            if (!JooqInternals.isJooqBinding(f.getBinding()))
                throw refuse(sql, "field " + f.getName() + " reads with the custom binding " + f.getBinding().getClass().getName()
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
        if (!TableRecord.class.isAssignableFrom(type) || JooqInternals.isJooqImplementation(type))
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
        IdentityMemo<Result<Record>, @Nullable Object[][]> memo = values;
        if (memo == null) {
            try (PgTextResultSet rs = new PgTextResultSet(rows)) {
                return records(rs);
            } catch (SQLException e) {
                throw new DataAccessException("reading cached rows: " + e.getMessage(), e);
            }
        }
        @Nullable Object[][] read = memo.get(rows);
        if (read == null) {
            try (PgTextResultSet rs = new PgTextResultSet(rows)) {
                read = values(rs, rows.size());
            } catch (SQLException e) {
                throw new DataAccessException("reading cached rows: " + e.getMessage(), e);
            }
            memo.put(rows, read);
        }
        return records(read);
    }

    /** A live result set's rows as this query's records: jOOQ's fetch reads them. */
    Result<Record> records(ResultSet rs) {
        return copied(dsl.fetch(rs, fields));
    }

    /**
     * Each field's own binding reads the row's value as jOOQ's fetch would ({@link BindingReads}), or,
     * when a field's binding needs more than that, jOOQ's fetch reads the rows.
     */
    private Result<Record> records(PgTextResultSet rs) throws SQLException {
        if (!readAlone)
            return copied(dsl.fetch(rs, fields));
        return records(values(rs, 16));
    }

    /** Records of the query's own type holding {@code values}, a row each. */
    private Result<Record> records(@Nullable Object[][] values) {
        Result<Record> out = newResult();
        for (@Nullable Object[] row : values) {
            Record r = newRecord();
            for (int i = 0; i < row.length; i++)
                if (row[i] != null)
                    set(r, i, row[i]);
            r.changed(false);
            out.add(r);
        }
        return out;
    }

    /** Every row's values, each read by its field's binding ({@link BindingReads}). */
    private @Nullable Object[][] values(PgTextResultSet rs, int expectedRows) throws SQLException {
        int n = fields.length;
        java.util.List<@Nullable Object[]> rows = new java.util.ArrayList<>(expectedRows);
        BindingReads reads = new BindingReads(dsl.configuration());
        while (rs.next()) {
            @Nullable Object[] row = new Object[n];
            for (int i = 0; i < n; i++) {
                try {
                    row[i] = reads.read(rs, i + 1, fields[i]);
                } catch (SQLException | RuntimeException e) {   // as jOOQ reports any failure of a binding
                    throw new DataAccessException("Error while reading field: " + fields[i] + ", at JDBC index: " + (i + 1), e);
                }
            }
            rows.add(row);
        }
        return rows.toArray(new Object[0][]);
    }

    /** Rows fetched by jOOQ, copied into records of the query's own type. */
    private Result<Record> copied(Result<Record> fetched) {
        int n = fields.length;
        Result<Record> out = newResult();
        for (Record row : fetched) {
            Record r = newRecord();
            for (int i = 0; i < n; i++)
                set(r, i, row.get(i));
            r.changed(false);
            out.add(r);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    void set(Record r, int column, @Nullable Object value) {
        r.set((Field<Object>) fields[column], value);
    }
}
