package io.shardcache.query.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.jooq.Binding;
import org.jooq.BindingGetResultSetContext;
import org.jooq.Configuration;
import org.jooq.ContextConverter;
import org.jooq.Converter;
import org.jooq.ConverterContext;
import org.jooq.DSLContext;
import org.jooq.EnumType;
import org.jooq.ExecuteContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jspecify.annotations.Nullable;

/**
 * Reads a column of a result set through its field's own jOOQ binding (and so its converter), as a
 * fetch does, without a fetch's machinery (an execute context, a cursor, listeners): on a prepared
 * read's hit, jOOQ's own code turns the cached result set's answers into values, and the hit costs
 * little more than those values.
 *
 * <p>There is no {@link ExecuteContext}: {@link Context#executeContext()} is null. jOOQ's default
 * bindings of the plain types ({@link #readsAlone}) only ask for it to find the configuration a value
 * was fetched with (this one's, then); rows of other fields are read by a full fetch.
 *
 * <p>Not thread-safe: one per read of a result.
 */
final class BindingReads {

    /** Database types whose default bindings read a value with nothing but this context. */
    private static final Set<Class<?>> ALONE = Set.of(Boolean.class, Byte.class, Short.class, Integer.class,
        Long.class, java.math.BigInteger.class, java.math.BigDecimal.class, Float.class, Double.class, String.class, byte[].class,
        java.util.UUID.class, org.jooq.JSON.class, org.jooq.JSONB.class, java.sql.Date.class, java.sql.Time.class,
        java.sql.Timestamp.class, java.time.LocalDate.class, java.time.LocalTime.class, java.time.LocalDateTime.class,
        java.time.OffsetDateTime.class, java.time.OffsetTime.class, java.time.Instant.class, org.jooq.types.YearToSecond.class,
        org.jooq.types.YearToMonth.class, org.jooq.types.DayToSecond.class);

    /** Whether {@code field}'s binding reads a value with nothing but this context (a default binding of a plain type). */
    static boolean readsAlone(Field<?> field) {
        Class<?> type = field.getConverter().fromType();
        return JooqInternals.isJooqBinding(field.getBinding())
            && (ALONE.contains(type) || (EnumType.class.isAssignableFrom(type) && type.isEnum()));
    }

    private final Scope scope;
    private final Context<Object> root;
    private @Nullable ResultSet resultSet;
    private int index;
    private @Nullable Field<Object> field;
    private @Nullable Object value;

    BindingReads(Configuration configuration) {
        this.scope = new Scope(configuration);
        this.root = new Context<>(v -> value = v);
    }

    /** The value {@code field}'s binding reads from column {@code index} of {@code rs}'s current row. */
    @SuppressWarnings("unchecked")
    @Nullable Object read(ResultSet rs, int index, Field<?> field) throws SQLException {
        this.resultSet = rs;
        this.index = index;
        this.field = (Field<Object>) field;
        this.value = null;
        ((Binding<?, Object>) field.getBinding()).get(root);
        return value;
    }

    @SuppressWarnings("unchecked")
    private <A, B> @Nullable B from(Converter<? super A, ? extends B> converter, @Nullable A v) {
        return converter instanceof ContextConverter<?, ?> c
            ? ((ContextConverter<? super A, ? extends B>) c).from(v, scope) : converter.from(v);
    }

    /**
     * The context a binding reads in; its value goes to {@code sink}: the read's value for the root, or
     * converted into the context it was made from ({@link #convert}, as jOOQ's own context does).
     */
    private final class Context<T> implements BindingGetResultSetContext<T> {
        private final Consumer<@Nullable T> sink;

        Context(Consumer<@Nullable T> sink) {
            this.sink = sink;
        }

        @Override
        public ResultSet resultSet() {
            return Objects.requireNonNull(resultSet, "read(...) sets the result set");
        }

        @Override
        public int index() {
            return index;
        }

        @SuppressWarnings("unchecked")
        @Override
        public Field<T> field() {
            return (Field<T>) Objects.requireNonNull(field, "read(...) sets the field");
        }

        @Override
        public void value(@Nullable T v) {
            sink.accept(v);
        }

        @Override
        public <X> BindingGetResultSetContext<X> convert(Converter<? super X, ? extends T> converter) {
            return new Context<X>(x -> value(from(converter, x)));
        }

        @Override
        public ConverterContext converterContext() {
            return scope;
        }

        @SuppressWarnings("NullAway")   // see the class comment: jOOQ's bindings check it with instanceof
        @Override
        public ExecuteContext executeContext() {
            return null;
        }

        @Override
        public Instant creationTime() {
            return scope.creationTime();
        }

        @Override
        public Configuration configuration() {
            return scope.configuration();
        }

        @Override
        public DSLContext dsl() {
            return scope.dsl();
        }

        @Override
        public Settings settings() {
            return scope.settings();
        }

        @Override
        public SQLDialect dialect() {
            return scope.dialect();
        }

        @Override
        public SQLDialect family() {
            return scope.family();
        }

        @Override
        public Map<Object, Object> data() {
            return scope.data();
        }

        @Override
        public @Nullable Object data(Object key) {
            return scope.data(key);
        }

        @Override
        public @Nullable Object data(Object key, @Nullable Object v) {
            return scope.data(key, v);
        }
    }

    /** The configuration as a converter context: what a converter may ask of the read it is part of. */
    private static final class Scope implements ConverterContext {
        private final Configuration configuration;
        private final Instant created;
        private @Nullable Map<Object, Object> data;

        Scope(Configuration configuration) {
            this.configuration = configuration;
            this.created = configuration.clock().instant();
        }

        @Override
        public Instant creationTime() {
            return created;
        }

        @Override
        public Configuration configuration() {
            return configuration;
        }

        @Override
        public DSLContext dsl() {
            return configuration.dsl();
        }

        @Override
        public Settings settings() {
            return configuration.settings();
        }

        @Override
        public SQLDialect dialect() {
            return configuration.dialect();
        }

        @Override
        public SQLDialect family() {
            return configuration.family();
        }

        @Override
        public Map<Object, Object> data() {
            Map<Object, Object> d = data;
            if (d == null)
                data = d = new HashMap<>();
            return d;
        }

        @Override
        public @Nullable Object data(Object key) {
            return data == null ? null : data.get(key);
        }

        @Override
        public @Nullable Object data(Object key, @Nullable Object v) {
            return data().put(key, v);
        }
    }
}
