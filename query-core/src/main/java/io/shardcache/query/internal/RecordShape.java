package io.shardcache.query.internal;

import java.lang.reflect.Constructor;
import org.jooq.Configuration;
import org.jooq.Converter;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.TableRecord;
import org.jooq.impl.IdentityConverter;
import org.jooq.tools.Convert;
import org.jspecify.annotations.Nullable;

/**
 * The records a prepared read returns: the query's own record type, each value converted from the
 * cached database value as jOOQ's binding and the field's converter would convert it from a live row.
 *
 * <p>jOOQ reads a column in two steps: its binding reads the database type {@code T} from the
 * result set, then the field's converter turns {@code T} into the user type {@code U}. The cache
 * holds the database value (as read by jOOQ's own bindings), so a value here is
 * {@code converter.from(Convert.convert(cached, T))}, and for NULL {@code converter.from(null)},
 * called for every row (a converter may map NULL to a new empty collection). Identity converters
 * take {@code DataType.convert}, which also maps labels to a registered {@code EnumType}.
 *
 * <p>What this cannot reproduce is refused when the read is prepared: a custom {@code Binding}
 * (its {@code get} may do anything), the {@code fetchTrimmedCharValues} setting (applied by the
 * binding), {@code RecordListener}s (they would see the record before its values), and queries whose
 * fields jOOQ does not know ({@code select *}, plain SQL).
 *
 * <p>Immutable and thread-safe: the template record is only ever copied, never changed.
 */
final class RecordShape implements ResultCodec.Target {

    private final DSLContext dsl;
    private final Record template;
    /** A generated record's no-arg constructor, resolved once; null for jOOQ's own record types. */
    private final @Nullable Constructor<? extends Record> constructor;
    private final Field<?>[] fields;
    private final DataType<?>[] types;
    /** Per field: the converter from the database type, or null when it is the identity. */
    private final @Nullable Converter<Object, Object>[] converters;

    @SuppressWarnings("unchecked")
    private RecordShape(DSLContext dsl, Record template, @Nullable Constructor<? extends Record> constructor) {
        this.dsl = dsl;
        this.template = template;
        this.constructor = constructor;
        this.fields = template.fields();
        this.types = new DataType<?>[fields.length];
        this.converters = new Converter[fields.length];
        for (int i = 0; i < fields.length; i++) {
            types[i] = fields[i].getDataType();
            Converter<?, ?> c = fields[i].getConverter();
            converters[i] = c instanceof IdentityConverter<?> ? null : (Converter<Object, Object>) c;
        }
    }

    /**
     * The shape of {@code query}'s records, attached to {@code dsl}'s configuration.
     *
     * @throws IllegalArgumentException naming what a prepared read cannot reproduce
     */
    static RecordShape of(DSLContext dsl, ResultQuery<?> query, String sql) {
        Configuration c = dsl.configuration();
        Field<?>[] fields = query.fields();
        if (fields.length == 0)
            throw refuse(sql, "jOOQ does not know the fields it selects (select *, or plain SQL)");
        if (c.recordListenerProviders().length > 0)
            throw refuse(sql, "the DSL has RecordListeners, which a prepared read cannot run on cached rows");
        if (Boolean.TRUE.equals(c.settings().isFetchTrimmedCharValues()))
            throw refuse(sql, "the DSL's settings say fetchTrimmedCharValues, which jOOQ's bindings apply on read");
        for (Field<?> f : fields) {
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
    @Override
    public Record newRecord() {
        return constructor != null ? construct(constructor, dsl.configuration()) : template.original();
    }

    @Override
    public Field<?>[] fields() {
        return fields;
    }

    @Override
    public Result<Record> newResult() {
        return dsl.newResult(fields);
    }

    @Override
    public boolean convertsNull(int column) {
        return converters[column] != null;
    }

    @Override
    public @Nullable Object convert(int column, @Nullable Object value) {
        Converter<Object, Object> c = converters[column];
        if (c == null)
            return value == null ? null : types[column].convert(value);
        return c.from(value == null ? null : Convert.convert(value, c.fromType()));
    }

    /** Generic rows (from the database, or shared by another caller) as this query's records. */
    Result<Record> records(Result<Record> rows) {
        int n = fields.length;
        if (rows.fields().length != n)
            throw new IllegalStateException("the rows have " + rows.fields().length + " columns, the query " + n);
        Result<Record> out = newResult();
        for (Record row : rows) {
            Record r = newRecord();
            for (int i = 0; i < n; i++) {
                Object v = row.get(i);
                if (v != null || converters[i] != null)
                    set(r, i, convert(i, v));
            }
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
