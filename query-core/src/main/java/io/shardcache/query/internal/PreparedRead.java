package io.shardcache.query.internal;

import io.shardcache.query.CacheKey;
import io.shardcache.query.spi.SkipReason;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.Param;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.IdentityConverter;
import org.jspecify.annotations.Nullable;

/**
 * A cached read rendered once and executed many times with new bind values, without going through
 * jOOQ's render and execute path on a hit.
 *
 * <h2>Why it produces the same key as the query run through jOOQ</h2>
 * At preparation the query is probed once (rendered and "executed" against the recording statement)
 * to learn its SQL, row limit and how jOOQ binds each parameter. A parameter is accepted only if
 * jOOQ hands its value to the driver unchanged (same class, equal value, a setter without SQL type
 * or calendar): that is verified by probing {@code select ?} with a sample value of the parameter's
 * own data type. A call then writes each value with that setter into the key material after the
 * constant prefix, which is exactly what the recording statement would have produced, so both
 * paths name and fingerprint the same entry.
 *
 * <h2>Why it produces the same records</h2>
 * {@link RecordShape}: the query's own record type, each value converted from the cached database
 * value as jOOQ's binding and the field's converter would; what it cannot reproduce is refused here.
 * Parameters with a converter or binding of their own are refused too: their effect on a value
 * could differ from the samples'.
 *
 * <p>Immutable and thread-safe; every call works on its own arrays.
 */
public final class PreparedRead<R extends Record> {

    /** Setters a prepared read can reproduce from the value alone. */
    private static final Set<Binds.Kind> DIRECT = EnumSet.of(Binds.Kind.BOOLEAN, Binds.Kind.SHORT, Binds.Kind.INT,
        Binds.Kind.LONG, Binds.Kind.FLOAT, Binds.Kind.DOUBLE, Binds.Kind.BIG_DECIMAL, Binds.Kind.STRING, Binds.Kind.OBJECT);

    /**
     * Two sample values per supported parameter type, of different shape (size, scale, sign), to
     * learn how jOOQ binds that type and that the SQL it renders does not depend on the value. The
     * java.time types are left out on purpose: jOOQ renders a cast whose precision follows the value
     * ({@code cast(? as time(6))}), so SQL rendered once could truncate a later value.
     */
    private static final Map<Class<?>, List<Object>> SAMPLES = Map.of(
        Boolean.class, List.of(true, false),
        Short.class, List.of((short) 7, Short.MIN_VALUE),
        Integer.class, List.of(7, Integer.MIN_VALUE),
        Long.class, List.of(7L, Long.MIN_VALUE),
        Float.class, List.of(7.5f, -Float.MAX_VALUE),
        Double.class, List.of(7.5d, -Double.MIN_VALUE),
        BigDecimal.class, List.of(new BigDecimal("7.50"), new BigDecimal("-123456789012345678901234567890.123456789")),
        String.class, List.of("seven", "a much longer text, with 'quotes' and ünïcödé"),
        UUID.class, List.of(new UUID(7, 7), UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")));

    private final ReadContext context;
    private final Probe probe;
    private final String sql;
    private final KeyMaterial.Prefix prefix;
    private final Binds.Kind[] kinds;
    private final DataType<?>[] types;
    private final String[] names;
    private final RecordShape shape;
    private final TableCounters.Dependencies tables;

    private PreparedRead(ReadContext context, Probe probe, Binds.Kind[] kinds, DataType<?>[] types, String[] names,
                         RecordShape shape, TableCounters.Dependencies tables) {
        this.context = context;
        this.tables = tables;
        this.probe = probe;
        this.sql = probe.sql();
        try {
            this.prefix = KeyMaterial.prefix(context.keyContext().get(), sql, probe.maxRows(), kinds.length);
        } catch (SQLException e) {
            throw new DataAccessException("shardcache: cannot read the session inputs of the caching DSL's connections", e);
        }
        this.kinds = kinds;
        this.types = types;
        this.names = names;
        this.shape = shape;
    }

    /**
     * Prepares {@code query} for {@code context}'s region.
     *
     * @param dsl   the user's DSL: records are attached to its configuration
     * @param probe probes a query through a recording statement (throws if it is not a cacheable read)
     * @throws IllegalArgumentException naming the parameter or field a prepared read cannot serve
     */
    public static <R extends Record> PreparedRead<R> prepare(ReadContext context, DSLContext dsl, ResultQuery<R> query,
                                                            Function<ResultQuery<?>, Probe> probe) {
        Probe seen = probe.apply(query);
        Binds binds = seen.binds();
        List<Param<?>> params = new ArrayList<>();
        // The parameters in the order the DSL's dialect binds them (LIMIT/OFFSET differ by dialect).
        for (Param<?> p : dsl.extractParams(query).values())
            if (!p.isInline())
                params.add(p);
        if (params.size() != binds.count())
            throw new IllegalArgumentException("cannot prepare " + seen.sql() + ": it has " + binds.count()
                + " bind values but " + params.size() + " parameters " + names(params)
                + "; a prepared read binds each parameter exactly once (a named parameter used twice, or a value"
                + " jOOQ inlines, cannot be prepared): use fromCache(region) for this query");
        int n = params.size();
        Binds.Kind[] kinds = new Binds.Kind[n];
        DataType<?>[] types = new DataType<?>[n];
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            Param<?> p = params.get(i);
            names[i] = describe(i, p);
            types[i] = p.getDataType();
            if (!(p.getConverter() instanceof IdentityConverter<?>) || !JooqInternals.isJooqBinding(p.getBinding()))
                throw new IllegalArgumentException("cannot prepare " + seen.sql() + ": " + names[i] + " has a converter or"
                    + " binding of its own (" + p.getBinding().getClass().getName() + "), whose effect on a value a"
                    + " prepared read cannot reproduce; use fromCache(region) for this query");
            kinds[i] = directKind(names[i], p.getDataType(), probe);
            Binds.Kind recorded = binds.kind(i);
            if (recorded != kinds[i] && recorded != Binds.Kind.NULL)
                throw new IllegalArgumentException("cannot prepare " + seen.sql() + ": " + names[i] + " is bound with "
                    + recorded + " in the query but with " + kinds[i] + " on its own; use fromCache(region) for this query");
        }
        RecordShape shape = RecordShape.of(dsl, query, seen.sql());
        return new PreparedRead<>(context, seen, kinds, types, names, shape,
            context.tablesOf(seen.sql(), query));
    }

    private static String describe(int i, Param<?> p) {
        String name = p.getParamName();
        return "parameter " + (i + 1) + (name == null || name.isEmpty() ? "" : " '" + name + "'")
            + " (" + p.getType().getSimpleName() + ")";
    }

    private static String names(List<Param<?>> params) {
        List<String> n = new ArrayList<>();
        for (int i = 0; i < params.size(); i++)
            n.add(describe(i, params.get(i)));
        return n.toString();
    }

    /** How jOOQ binds a value of {@code type}, if it hands any value to the driver as it is. */
    private static Binds.Kind directKind(String name, DataType<?> type, Function<ResultQuery<?>, Probe> probe) {
        List<Object> samples = SAMPLES.get(type.getType());
        if (samples == null)
            throw new IllegalArgumentException("cannot prepare a read with " + name + ": a prepared read binds "
                + SAMPLES.keySet().stream().map(Class::getSimpleName).sorted().toList()
                + " values; use fromCache(region) for this query");
        @SuppressWarnings("unchecked")
        DataType<Object> t = (DataType<Object>) type;
        Binds.Kind kind = null;
        String sql = null;
        for (Object sample : samples) {
            Probe seen = probe.apply(DSL.select(DSL.val(sample, t)));
            Binds b = seen.binds();
            Binds.Kind k = b.count() == 1 ? b.kind(0) : null;
            Object value = b.count() == 1 ? b.value(0) : null;
            if (k == null || !DIRECT.contains(k) || b.hasExtra(0) || value == null
                || value.getClass() != sample.getClass() || !value.equals(sample))
                throw new IllegalArgumentException("cannot prepare a read with " + name + ": jOOQ binds its data type "
                    + type + " as " + k + " " + value + (value == null ? "" : " (" + value.getClass().getName() + ")")
                    + ", not as the value itself; use fromCache(region) for this query");
            if (kind != null && (k != kind || !seen.sql().equals(sql)))
                throw new IllegalArgumentException("cannot prepare a read with " + name + ": jOOQ renders or binds its data type "
                    + type + " differently for different values (" + sql + " with " + kind + ", " + seen.sql() + " with " + k
                    + "); use fromCache(region) for this query");
            kind = k;
            sql = seen.sql();
        }
        return Objects.requireNonNull(kind, "every type has samples");
    }

    public String sql() {
        return sql;
    }

    /** Each parameter as {@code parameter <n> '<name>' (<type>)}, in the order values are given. */
    public List<String> parameters() {
        return List.of(names);
    }

    /** The rows for {@code values}: from the cache, or from the database by exactly one caller. */
    public Result<R> fetch(Object[] values) {
        Object[] binds = convert(values);
        KeyMaterial key = key(binds);
        DogpileEngine engine = context.engine();
        BoundLoader loader = new BoundLoader(binds);
        try {
            Result<Record> rows;
            SkipReason bypass = bypass();
            if (bypass == null && engine.churning(context.region(), key))
                bypass = SkipReason.CHURN;
            if (bypass != null) {
                engine.skipped(engine.keyOf(context.region(), key, key), bypass);
                rows = loader.live();
            } else {
                try {
                    long began = System.nanoTime();
                    Lookup k = engine.lookupAndRead(context.region(), key, key, tables);
                    rows = engine.fetch(k, loader, shape::records);
                    engine.read(context.region(), k.key(), System.nanoTime() - began);
                } catch (Uncacheable u) {
                    rows = loader.live();   // counted by the engine
                }
            }
            @SuppressWarnings("unchecked")
            Result<R> typed = (Result<R>) (Result<?>) rows;
            return typed;
        } catch (SQLException e) {
            throw new DataAccessException("SQL [" + sql + "]; " + e.getMessage(), e);
        }
    }

    /** The key {@code values} have; reads nothing. */
    public CacheKey keyOf(Object[] values) {
        KeyMaterial key = key(convert(values));
        return context.engine().keyOf(context.region(), key, key);
    }

    /** The entry {@code values} would use in the region's current generation. */
    public Lookup lookup(Object[] values) {
        KeyMaterial key = key(convert(values));
        return context.engine().lookup(context.region(), key, key);
    }

    private Object[] convert(Object[] values) {
        if (values.length != kinds.length)
            throw new IllegalArgumentException("this prepared read takes " + kinds.length + " values " + List.of(names)
                + ", got " + values.length);
        Object[] out = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            if (v == null)
                throw new IllegalArgumentException(names[i] + " is null: a prepared read binds values, not NULL"
                    + " (which never equals anything in SQL); use fromCache(region) for a query that binds NULL");
            Object c;
            try {
                c = types[i].convert(v);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cannot bind " + v + " (" + v.getClass().getName() + ") to " + names[i], e);
            }
            // The converter handing back its argument converted nothing, so lost nothing (lossless
            // would reject text with spaces around it, which needed no parsing).
            @SuppressWarnings("ReferenceEquality")
            boolean unconverted = c == v;
            if (c == null || c.getClass() != types[i].getType() || (!unconverted && !lossless(v, c)))
                throw new IllegalArgumentException("cannot bind " + v + " (" + v.getClass().getName() + ") to " + names[i]
                    + ": it converts to " + c);
            out[i] = c;
        }
        return out;
    }

    /**
     * Whether a converted value means the same as the given one: a number that stays the same number
     * ({@code 42} for a {@code Long} parameter, not {@code 4294967297L} for an {@code Integer} one, nor
     * {@code 2.9} for either), or text that was parsed. jOOQ's {@code bind} would truncate silently.
     */
    private static boolean lossless(Object given, Object converted) {
        if (given instanceof Number n && converted instanceof Number m)
            return decimal(n).compareTo(decimal(m)) == 0;
        if (given instanceof String text)
            return !(converted instanceof Boolean) && text.trim().equals(converted.toString());
        return given.getClass() == converted.getClass();
    }

    private static BigDecimal decimal(Number n) {
        return n instanceof BigDecimal d ? d : new BigDecimal(n.toString());
    }

    private KeyMaterial key(Object[] binds) {
        try {
            return KeyMaterial.ofPrepared(prefix, kinds, binds);
        } catch (SQLException e) {
            throw new IllegalStateException("unreachable: a prepared read binds no SQL arrays", e);
        }
    }

    /** Runs the statement with {@code values}; built on a hit too, so its statement is made only on a miss. */
    private final class BoundLoader implements Loader {
        private final Object[] values;   // this call's own copy: safe to run later on another thread

        BoundLoader(Object[] values) {
            this.values = values;
        }

        private Binds binds() {
            Binds b = new Binds();
            for (int i = 0; i < values.length; i++)
                b.set(i + 1, kinds[i], values[i]);
            return b;
        }

        @Override
        public Loaded load() throws SQLException {
            return new StatementLoader(context, sql, probe.type(), probe.concurrency(), probe.holdability(), binds(),
                probe.maxRows(), probe.queryTimeout()).load();
        }

        /** The statement run on the database, its live result set read into this query's records. */
        Result<Record> live() throws SQLException {
            ConnectionProvider provider = context.connections();
            Connection c = Objects.requireNonNull(provider.acquire(), "the user's ConnectionProvider returned no connection");
            try (PreparedStatement ps = StatementLoader.prepare(c, sql, probe.type(), probe.concurrency(), probe.holdability(),
                     binds(), probe.maxRows(), probe.queryTimeout(), 0);
                 ResultSet rs = ps.executeQuery()) {
                return shape.records(rs);
            } finally {
                provider.release(c);
            }
        }

        @Override
        public boolean detachable() {
            return !context.singleConnection();
        }
    }

    /**
     * As a statement does: inside a transaction the cache is neither read nor written, nor on a
     * single connection whose session changed since the keys' inputs were read. Null: use the cache.
     */
    private @Nullable SkipReason bypass() throws SQLException {
        if (context.inTransaction().getAsBoolean())
            return SkipReason.TRANSACTION;
        if (!context.singleConnection())
            return null;
        ConnectionProvider provider = context.connections();
        Connection c = Objects.requireNonNull(provider.acquire(), "the user's ConnectionProvider returned no connection");
        try {
            if (!c.getAutoCommit())
                return SkipReason.TRANSACTION;
            return context.keyContext().session().matches(c) ? null : SkipReason.SESSION;
        } finally {
            provider.release(c);
        }
    }
}
