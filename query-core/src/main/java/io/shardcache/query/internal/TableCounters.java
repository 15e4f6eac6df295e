package io.shardcache.query.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import org.jooq.Query;
import org.jooq.QueryPart;
import org.jspecify.annotations.Nullable;

/**
 * The generation counters that the reads and writes of one scope (a database, or one logical
 * shard) depend on and bump.
 *
 * <h2>Counters</h2>
 * <ul>
 * <li>{@code table:<scope>|<table>}, one per table, named by the table's unqualified name: jOOQ
 * models may write {@code items} or {@code public.items} for the same table, and the analyzer
 * cannot resolve the search path. Two schemas' tables of one name share a counter, which
 * over-invalidates and is safe. The scope keeps shards apart: a write on shard 7 bumps shard 7's
 * counters only.</li>
 * <li>{@code table:<scope>|*}: bumped by a write whose tables are unknown (plain SQL that declares
 * none, DDL, a call). Every entry depends on it, so such a write invalidates the whole scope.</li>
 * <li>{@code table:<scope>|+}: bumped by every write. A read whose tables are unknown depends on it
 * (and on {@code *}), so any write in its scope invalidates it.</li>
 * </ul>
 * A read depends on its tables' counters and {@code *}, sorted, so that one statement always
 * records its generations in the same order. Declared tables (for plain SQL, views, functions)
 * are added to what the analysis found and stand in for what it could not see.
 *
 * <p>The analysis renders the query once; its outcome is cached by SQL text, which fully
 * determines the tables a statement touches. Thread-safe.
 */
public final class TableCounters {

    static final String UNKNOWN_WRITE = "*";
    static final String ANY_WRITE = "+";
    private static final int CACHED_STATEMENTS = 1024;

    private final String scope;
    /** The analyses of statements by SQL text, shared by every scope of an engine: a render each. */
    private final Cache<String, QueryTables> analyses;
    private final String unknownWrite;
    private final String anyWrite;
    private final Cache<String, Dependencies> reads = Caffeine.newBuilder().maximumSize(CACHED_STATEMENTS).build();
    private final Cache<String, List<String>> writes = Caffeine.newBuilder().maximumSize(CACHED_STATEMENTS).build();

    /**
     * The counters a read depends on, sorted, and a hash of their names that its entry records.
     */
    public record Dependencies(List<String> counters, long hash) {
        /** A read that depends on no table (its region ignores writes). */
        public static final Dependencies NONE = of(List.of());

        static Dependencies of(List<String> counters) {
            long h = 0xcbf29ce484222325L;   // FNV-1a over the names and a separator
            for (String c : counters) {
                for (int i = 0; i < c.length(); i++)
                    h = (h ^ c.charAt(i)) * 0x100000001b3L;
                h = (h ^ 0xffff) * 0x100000001b3L;
            }
            return new Dependencies(List.copyOf(counters), h);
        }
    }

    TableCounters(String scope, Cache<String, QueryTables> analyses) {
        this.scope = scope;
        this.analyses = analyses;
        this.unknownWrite = counter(UNKNOWN_WRITE);
        this.anyWrite = counter(ANY_WRITE);
    }

    /** The counter of one table, named as {@link TableName} names it (qualified or not). */
    public String of(TableName table) {
        String name = table.value();
        return counter(name.substring(name.lastIndexOf('.') + 1));
    }

    /** What a write to {@code tables} bumps: each table's counter and the any-write counter. */
    public List<String> forWriteTo(Collection<TableName> tables) {
        TreeSet<String> out = new TreeSet<>();
        for (TableName t : tables)
            out.add(of(t));
        out.add(anyWrite);
        return List.copyOf(out);
    }

    /** What a write of unknown tables bumps: everything in the scope. */
    public List<String> forUnknownWrite() {
        return List.of(anyWrite, unknownWrite);
    }

    /**
     * The counters a read of {@code sql} depends on.
     *
     * @param query    the query that rendered {@code sql}, or null when it is not known (then the read
     *                 depends on every write of the scope unless {@code declared} names its tables)
     * @param declared tables the caller declared for this read, usually empty
     */
    public Dependencies forRead(String sql, @Nullable QueryPart query, List<TableName> declared) {
        String cacheKey = declared.isEmpty() ? sql : declared + "\n" + sql;
        Dependencies known = reads.getIfPresent(cacheKey);
        if (known != null)
            return known;
        QueryTables tables = query == null ? null : analyses.get(sql, s -> QueryTables.of(query));
        TreeSet<String> out = new TreeSet<>();
        if (tables != null)
            for (TableName t : tables.reads())
                out.add(of(t));
        for (TableName t : declared)
            out.add(of(t));
        if ((tables == null || !tables.complete()) && declared.isEmpty())
            out.add(anyWrite);
        out.add(unknownWrite);
        Dependencies counters = Dependencies.of(List.copyOf(out));
        // Only a full analysis is remembered: a read seen once without its query must not make every
        // later execution of that SQL depend on the whole scope.
        if (tables != null)
            reads.put(cacheKey, counters);
        return counters;
    }

    /**
     * The counters a statement bumps, or an empty list when it writes nothing.
     *
     * @param sql      what it renders to
     * @param queries  the statement, or a batch's statements; empty when not known
     * @param declared tables the caller declared for it, usually empty
     */
    public List<String> forWrite(@Nullable String sql, List<? extends Query> queries, List<TableName> declared) {
        boolean single = queries.size() <= 1 && sql != null;
        String cacheKey = single ? (declared.isEmpty() ? sql : declared + "\n" + sql) : null;
        if (cacheKey != null) {
            List<String> known = writes.getIfPresent(cacheKey);
            if (known != null)
                return known;
        }
        QueryTables tables = queries.isEmpty() ? null
            : queries.size() > 1 ? QueryTables.ofBatch(queries)
            : sql != null ? analyses.get(sql, s -> QueryTables.of(queries.get(0))) : QueryTables.of(queries.get(0));
        List<String> counters;
        if (tables != null && tables.writes().isEmpty() && (tables.complete() || readsOnly(sql)))
            counters = List.of();   // a read run through the DSL, or a plain-SQL select
        else if (tables == null && readsOnly(sql))
            counters = List.of();
        else if (tables != null && (tables.complete() || !declared.isEmpty())) {
            List<TableName> all = new ArrayList<>(tables.writes());
            all.addAll(declared);
            counters = forWriteTo(all);
        } else if (tables == null && !declared.isEmpty())
            counters = forWriteTo(declared);
        else
            counters = forUnknownWrite();
        if (cacheKey != null && tables != null)
            writes.put(cacheKey, counters);
        return counters;
    }

    private static boolean readsOnly(@Nullable String sql) {
        return sql != null && SqlClassifier.isCacheableRead(sql);
    }

    private String counter(String table) {
        return "table:" + scope + "|" + table;
    }

    @Override
    public String toString() {
        return "TableCounters[" + scope + "]";
    }
}
