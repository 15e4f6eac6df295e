package io.shardcache.query.internal;

import io.shardcache.query.CacheKey;
import io.shardcache.query.spi.SkipReason;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.Configuration;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.ExecuteListenerProvider;
import org.jooq.Field;
import org.jooq.Param;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConnectionProvider;
import org.jooq.tools.jdbc.MockConnection;
import org.jooq.tools.jdbc.MockResult;

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
 * The record type is learned by running the query once on a mock connection answering one row of
 * NULLs: jOOQ builds its own record (a generated {@code TableRecord}, a {@code Record2<…>}, …), which
 * becomes the template. Every row served is a fresh copy of it ({@link Record#original()}), filled
 * with the cached values converted by each field's data type (its converter included) and marked
 * unchanged, as a fetched record is. Fields whose binding is not one of jOOQ's own are refused:
 * a custom {@code Binding.get} could do what no conversion of the cached value reproduces.
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
        Boolean.class, List.of(Boolean.TRUE, Boolean.FALSE),
        Short.class, List.of((short) 7, Short.MIN_VALUE),
        Integer.class, List.of(7, Integer.MIN_VALUE),
        Long.class, List.of(7L, Long.MIN_VALUE),
        Float.class, List.of(7.5f, -Float.MAX_VALUE),
        Double.class, List.of(7.5d, -Double.MIN_VALUE),
        BigDecimal.class, List.of(new BigDecimal("7.50"), new BigDecimal("-123456789012345678901234567890.123456789")),
        String.class, List.of("seven", "a much longer text, with 'quotes' and ünïcödé"),
        UUID.class, List.of(new UUID(7, 7), UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")));

    private final ReadContext context;
    private final String sql;
    private final long maxRows;
    private final KeyMaterial.Prefix prefix;
    private final Binds.Kind[] kinds;
    private final DataType<?>[] types;
    private final String[] names;
    private final Field<?>[] fields;
    private final DataType<?>[] fieldTypes;
    private final Record template;
    private final DSLContext dsl;
    private final ResultCodec.Target target;

    private PreparedRead(ReadContext context, Probe probe, Binds.Kind[] kinds, DataType<?>[] types, String[] names,
                         Record template, DSLContext dsl) {
        this.context = context;
        this.sql = probe.sql();
        this.maxRows = probe.maxRows();
        this.prefix = KeyMaterial.prefix(context.keyContext(), sql, maxRows, kinds.length);
        this.kinds = kinds;
        this.types = types;
        this.names = names;
        this.template = template;
        this.fields = template.fields();
        this.fieldTypes = new DataType<?>[fields.length];
        for (int i = 0; i < fields.length; i++)
            fieldTypes[i] = fields[i].getDataType();
        this.dsl = dsl;
        this.target = new ResultCodec.Target(template, fieldTypes, () -> dsl.newResult(fields));
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
        for (Param<?> p : query.getParams().values())
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
            kinds[i] = directKind(names[i], p.getDataType(), probe);
            Binds.Kind recorded = binds.kind(i);
            if (recorded != kinds[i] && recorded != Binds.Kind.NULL)
                throw new IllegalArgumentException("cannot prepare " + seen.sql() + ": " + names[i] + " is bound with "
                    + recorded + " in the query but with " + kinds[i] + " on its own; use fromCache(region) for this query");
        }
        for (Field<?> f : query.fields()) {
            String binding = f.getBinding().getClass().getName();
            if (!binding.startsWith("org.jooq.impl."))
                throw new IllegalArgumentException("cannot prepare " + seen.sql() + ": field " + f.getName()
                    + " reads with the custom binding " + binding + ", which a prepared read cannot run on cached"
                    + " values; use fromCache(region) for this query");
        }
        Record template = template(dsl, query);
        return new PreparedRead<>(context, seen, kinds, types, names, template, dsl);
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
        return kind;
    }

    /** One record of the query's own type, built by jOOQ from a mock row of NULLs. */
    private static Record template(DSLContext dsl, ResultQuery<?> query) {
        Field<?>[] fields = query.fields();
        Result<Record> nulls = DSL.using(dsl.dialect()).newResult(fields);
        nulls.add(DSL.using(dsl.dialect()).newRecord(fields));
        Configuration mock = Detached.fromTransaction(dsl.configuration()
            .derive(new DefaultConnectionProvider(new MockConnection(ctx -> new MockResult[] {new MockResult(1, nulls)})))
            .derive(new ExecuteListenerProvider[0]));
        Result<?> built = DSL.using(mock).fetch(query);
        if (built.size() != 1)
            throw new IllegalStateException("jOOQ built " + built.size() + " records from one mock row of " + dsl.render(query));
        Record r = built.get(0);
        r.attach(dsl.configuration());
        return r;
    }

    public String sql() {
        return sql;
    }

    public int parameterCount() {
        return kinds.length;
    }

    /** The rows for {@code values}: from the cache, or from the database by exactly one caller. */
    public Result<R> fetch(Object[] values) {
        Object[] binds = convert(values);
        KeyMaterial key = key(binds);
        DogpileEngine engine = context.engine();
        Loader loader = new Loader(binds);
        try {
            Result<Record> rows;
            if (bypass()) {
                engine.skipped(engine.keyOf(context.region(), key, key), SkipReason.TRANSACTION);
                rows = records(loader.load().result());
            } else {
                // A fresh hit is decoded straight into this query's records; rows shared with other
                // callers come back generic and are converted here.
                rows = engine.fetch(engine.lookupAndRead(context.region(), key, key), loader, target, this::records);
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
    public DogpileEngine.Lookup lookup(Object[] values) {
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
            if (c == null || c.getClass() != types[i].getType())
                throw new IllegalArgumentException("cannot bind " + v + " (" + v.getClass().getName() + ") to " + names[i]
                    + ": it converts to " + c);
            out[i] = c;
        }
        return out;
    }

    private KeyMaterial key(Object[] binds) {
        try {
            return KeyMaterial.ofPrepared(prefix, kinds, binds);
        } catch (SQLException e) {
            throw new IllegalStateException("unreachable: a prepared read binds no SQL arrays", e);
        }
    }

    /** Runs the statement with {@code values}; built on a hit too, so its statement is made only on a miss. */
    private final class Loader implements DogpileEngine.Loader {
        private final Object[] values;   // this call's own copy: safe to run later on another thread

        Loader(Object[] values) {
            this.values = values;
        }

        @Override
        public DogpileEngine.Loaded load() throws SQLException {
            Binds b = new Binds();
            for (int i = 0; i < values.length; i++)
                b.set(i + 1, kinds[i], values[i]);
            return new StatementLoader(context, sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, 0, b, maxRows, 0).load();
        }

        @Override
        public boolean detachable() {
            return !context.singleConnection();
        }
    }

    /** As a statement does: inside a transaction the cache is neither read nor written. */
    private boolean bypass() throws SQLException {
        if (context.inTransaction().getAsBoolean())
            return true;
        if (!context.singleConnection())
            return false;
        ConnectionProvider provider = context.connections();
        Connection c = provider.acquire();
        try {
            return !c.getAutoCommit();
        } finally {
            provider.release(c);
        }
    }

    /** Generic rows (from the database, or shared by another caller) as this query's records. */
    @SuppressWarnings("unchecked")
    private Result<Record> records(Result<Record> rows) {
        int n = fields.length;
        if (rows.fields().length != n)
            throw new IllegalStateException("cached rows of " + sql + " have " + rows.fields().length
                + " columns, the query has " + n);
        Result<Record> out = dsl.newResult(fields);
        for (Record row : rows) {
            Record r = template.original();
            for (int i = 0; i < n; i++) {
                Object v = row.get(i);
                if (v != null)
                    r.set((Field<Object>) fields[i], fieldTypes[i].convert(v));
            }
            r.changed(false);
            out.add(r);
        }
        return out;
    }
}
