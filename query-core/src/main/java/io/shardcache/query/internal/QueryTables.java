package io.shardcache.query.internal;

import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jooq.Catalog;
import org.jooq.CommonTableExpression;
import org.jooq.Configuration;
import org.jooq.DSLContext;
import org.jooq.Domain;
import org.jooq.QualifiedAsterisk;
import org.jooq.Query;
import org.jooq.QueryPart;
import org.jooq.SQL;
import org.jooq.SQLDialect;
import org.jooq.Schema;
import org.jooq.Select;
import org.jooq.Sequence;
import org.jooq.Statement;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.TableOptions.TableType;
import org.jooq.UDT;
import org.jooq.VisitContext;
import org.jooq.VisitListener;
import org.jooq.impl.CustomCondition;
import org.jooq.impl.CustomField;
import org.jooq.impl.CustomQueryPart;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;
import org.jooq.impl.QOM;
import org.jooq.impl.TableImpl;
import org.jspecify.annotations.Nullable;

/**
 * The tables a jOOQ query reads and writes, for invalidation by table generations.
 *
 * <h2>How the tables are found</h2>
 * jOOQ 3.21's open-source edition has the query object model accessors ({@code Select.$from()},
 * {@code QOM.Insert.$into()}, …) but not the generic {@code $traverse}/{@code $replace}: the
 * {@code UOperator.$args()} that would let us walk into every function and operator is
 * package-private. Walking by hand through the few hundred {@code QOM} types is not an option either:
 * one forgotten type that can hold a subquery ({@code coalesce((select …), 0)}) means a missed table,
 * and a missed table serves stale rows.
 * <p>
 * So the analyzer renders the query once with a {@link VisitListener}. jOOQ calls the listener for
 * every part it renders, with the stack of enclosing parts, so whatever reaches the SQL text is seen:
 * subqueries in any clause, joins, set operations, CTE bodies, lateral and derived tables, and the
 * joins jOOQ adds itself (implicit join paths, synthetic views). The {@code QOM} accessors are then
 * only used where they are reliable and small: a DML statement's target and a {@code WITH} clause's
 * list of CTEs. The caller's render mapping does not matter: the listener sees the model's
 * {@link Table} objects, not the mapped names.
 *
 * <h2>Rules</h2>
 * <ul>
 * <li>A <b>table</b> is a {@link TableImpl} (generated tables and {@code DSL.table(Name)}) that is not
 * an alias. Aliases ({@code T.as("x")}) are wrappers: the aliased table is rendered under them. A
 * {@code DSL.table(Name)} alias is a {@link QOM.TableAlias}; an aliased generated table is not
 * modelled as an alias at all ({@code $alias()} is null), and is recognised by the internal
 * {@code Alias} it renders.</li>
 * <li>A schema-less table whose name is a CTE in scope is the CTE, not a table. In scope means what
 * PostgreSQL means: the CTEs of every enclosing {@code WITH}, but inside a CTE's own body only the
 * CTEs declared before it (and itself when {@code WITH RECURSIVE}). So
 * {@code with items as (select * from items) …} reads the table {@code items}.</li>
 * <li><b>Writes</b> are the targets of {@code INSERT}, {@code UPDATE}, {@code DELETE}, {@code MERGE},
 * {@code TRUNCATE} and {@code SELECT … INTO}, wherever they appear, so a data-modifying CTE in a
 * {@code SELECT} is a write. The target is not a read unless the statement also reads it elsewhere
 * (a {@code FROM}, {@code USING} or subquery); neither is a table named only to qualify a column, nor
 * PostgreSQL's {@code EXCLUDED}.</li>
 * <li>The analysis is <b>incomplete</b> ({@link #complete()} is false, {@link #opaque()} says why)
 * when the query holds a part whose tables cannot be seen: plain SQL or an SQL template
 * ({@code DSL.table("…")}, {@code DSL.field("…")}, {@code DSL.condition("…")}, {@code where("…")},
 * {@code dsl.query("…")}, {@code dsl.resultQuery("…")}); a generated view or table-valued function,
 * whose base tables are not in the model; a custom part ({@code CustomField},
 * {@code CustomCondition}, {@code CustomQueryPart}, of any origin) or any other part from outside
 * jOOQ (a generated routine), whose SQL is whatever it prints; a statement other than the ones
 * above (DDL such as the {@code CREATE TABLE AS} that {@code SELECT … INTO} becomes, blocks, calls); a
 * write target that is not rendered as a table; a query that fails to render. The caller then
 * depends on, or bumps, the whole region. The tables seen are still reported.</li>
 * </ul>
 * jOOQ renders a few operators through its own plain-SQL templates ({@code +}, {@code count(*)}'s
 * {@code *}): a template made only of punctuation cannot name a table and is ignored. Anything else,
 * including jOOQ's internal {@code "{0}"} templates of some emulations, counts as plain SQL: erring
 * that way costs a region-wide dependency, never a stale row.
 *
 * <h2>Known blind spots</h2>
 * What the database does behind a name is not in any jOOQ model: a function called with
 * {@code DSL.function(…)} whose body reads tables, a view declared with {@code DSL.table(Name)}
 * (only generated views say they are views), a trigger that writes other tables, a foreign key's
 * {@code ON DELETE CASCADE}. {@code DSL.function} cannot even be flagged: jOOQ renders built-ins such
 * as {@code coalesce} through the same class. Callers must declare such tables themselves.
 *
 * <h2>Table identity</h2>
 * A {@link TableName} is the table's qualified name as the jOOQ model writes it, parts joined with
 * {@code '.'}: {@code public.items} for a table declared in schema {@code public}, just {@code items}
 * for one declared without a schema. Parts that were explicitly unquoted ({@code DSL.unquotedName})
 * are lower-cased, as PostgreSQL folds them; the others are kept as written. The analyzer cannot
 * know that {@code items} and {@code public.items} are one table through the search path: callers
 * must declare every table the same way (generated code does).
 *
 * <h2>Cost and thread safety</h2>
 * One render of the query (no database access), meant to run once per distinct SQL text with the
 * result cached by the caller. Stateless and thread-safe; the result is immutable.
 *
 * @param reads  the tables read, in first-seen order
 * @param writes the tables written, in first-seen order
 * @param opaque what hid tables from the analysis, one line each, for logs ("plain SQL: id > 3");
 *               empty when the analysis is {@link #complete()}
 */
public record QueryTables(Set<TableName> reads, Set<TableName> writes, Set<String> opaque) {

    /** Nothing read, nothing written, nothing hidden: the neutral element of {@link #and}. */
    public static final QueryTables NONE = new QueryTables(Set.of(), Set.of(), Set.of());

    /** A template made of these characters only cannot name a table (jOOQ's own {@code "+"}, {@code "*"}). */
    private static final Pattern PUNCTUATION_ONLY = Pattern.compile("[\\s+\\-*/%|&^<>=!~#@,.;:()\\[\\]]*");

    private static final Configuration POSTGRES = new DefaultConfiguration().set(SQLDialect.POSTGRES);

    public QueryTables {
        reads = Collections.unmodifiableSet(new LinkedHashSet<>(reads));
        writes = Collections.unmodifiableSet(new LinkedHashSet<>(writes));
        opaque = Collections.unmodifiableSet(new LinkedHashSet<>(opaque));
    }

    /**
     * Whether every part of the query could be seen into. When false, {@link #reads()} and
     * {@link #writes()} are only what could be seen, and the caller falls back to the region.
     */
    public boolean complete() {
        return opaque.isEmpty();
    }

    /** Analyzes a query (or any query part) as rendered for {@link SQLDialect#POSTGRES} with default settings. */
    public static QueryTables of(QueryPart part) {
        return of(POSTGRES, part);
    }

    /**
     * Analyzes a query (or any query part) as rendered with {@code configuration}: pass the wrapped
     * DSL's configuration so that dialect emulations and the caller's own visit listeners (which may
     * add tables, such as a tenant filter) are taken into account.
     */
    public static QueryTables of(Configuration configuration, QueryPart part) {
        Collector collector = new Collector();
        try {
            DSLContext dsl = DSL.using(configuration.deriveAppending(collector));
            dsl.render(part);
        } catch (RuntimeException e) {
            // A query that cannot be rendered cannot run either; report what was seen, and that it is not all.
            collector.opaque.add("rendering failed: " + e);
        }
        return new QueryTables(collector.reads, collector.writes, collector.opaque);
    }

    /** Analyzes a batch: the union of its queries; complete when each one is. */
    public static QueryTables ofBatch(Collection<? extends Query> queries) {
        return ofBatch(POSTGRES, queries);
    }

    /** Analyzes a batch as rendered with {@code configuration}; see {@link #of(Configuration, QueryPart)}. */
    public static QueryTables ofBatch(Configuration configuration, Collection<? extends Query> queries) {
        QueryTables result = NONE;
        for (Query query : queries)
            result = result.and(of(configuration, query));
        return result;
    }

    /** The union of two analyses: complete when both are. */
    public QueryTables and(QueryTables other) {
        Set<TableName> r = new LinkedHashSet<>(reads);
        r.addAll(other.reads);
        Set<TableName> w = new LinkedHashSet<>(writes);
        w.addAll(other.writes);
        Set<String> o = new LinkedHashSet<>(opaque);
        o.addAll(other.opaque);
        return new QueryTables(r, w, o);
    }

    /**
     * Strips {@code T.as("x")} where the model says it is an alias: a {@link QOM.TableAlias}. jOOQ 3.21's
     * {@code TableImpl.$alias()} is null even for an aliased generated table; the second branch is for
     * a jOOQ that models those too. The collector recognises them while rendering instead.
     */
    static Table<?> unalias(Table<?> table) {
        Table<?> t = table;
        for (int guard = 0; guard < 32; guard++) {
            if (t instanceof QOM.TableAlias<?> alias)
                t = alias.$table();
            else if (t instanceof TableImpl<?> impl && impl.$alias() != null)
                t = impl.$aliased();
            else
                return t;
        }
        return t;
    }

    /** Receives every rendered part; one instance per analysis. */
    private static final class Collector implements VisitListener {
        final Set<TableName> reads = new LinkedHashSet<>();
        final Set<TableName> writes = new LinkedHashSet<>();
        final Set<String> opaque = new LinkedHashSet<>();

        /**
         * Aliased generated tables ({@code ACCOUNTS.as("a")}): jOOQ's model does not say they are aliases
         * ({@code $alias()} is null, {@code $aliased()} is the alias itself), but they render the aliased
         * table through an internal {@code Alias} child, which is how they are recognised.
         */
        private final Set<QueryPart> aliasedTables = Collections.newSetFromMap(new IdentityHashMap<>());
        /** DML targets seen rendered in their target position. */
        private final Set<QueryPart> targetsSeen = Collections.newSetFromMap(new IdentityHashMap<>());

        @Override
        public void visitStart(VisitContext context) {
            QueryPart part = context.queryPart();
            QueryPart[] stack = context.queryParts();
            if (JooqInternals.isAlias(part) && stack.length >= 2 && stack[stack.length - 2] instanceof TableImpl<?> aliased)
                aliasedTables.add(aliased);
            String why = opacity(part, stack);
            if (why != null)
                opaque.add(why);
        }

        @Override
        public void visitEnd(VisitContext context) {
            // Tables are handled at their end, once their children have shown whether they are aliases.
            QueryPart part = context.queryPart();
            if (part instanceof TableImpl<?> table && !aliasedTables.contains(table))
                onTable(table, context.queryParts());
            for (Table<?> target : targetsOf(part))
                if (!targetsSeen.contains(target))
                    // Not rendered where a target is expected (an emulation, plain SQL): name it if we can.
                    targetNotSeen(part, target);
        }

        private void targetNotSeen(QueryPart statement, Table<?> target) {
            opaque.add("write target not rendered as a table in " + kind(statement) + ": " + target);
            if (unalias(target) instanceof TableImpl<?> table && table.getTableType() != TableType.EXPRESSION)
                writes.add(TableName.of(table));
        }

        private void onTable(TableImpl<?> table, QueryPart[] stack) {
            // stack[stack.length - 1] is the table; climb over the aliases wrapping it, then over lists.
            int i = stack.length - 2;
            QueryPart outermost = table;
            while (i >= 0 && isAliasWrapper(stack[i])) {
                outermost = stack[i];
                i--;
            }
            while (i >= 0 && stack[i] instanceof Collection<?>)
                i--;
            QueryPart owner = i >= 0 ? stack[i] : null;
            if (owner instanceof TableField<?, ?> || owner instanceof QualifiedAsterisk || owner instanceof QOM.Excluded<?>)
                return; // a column's qualifier, or PostgreSQL's EXCLUDED pseudo-table
            if (owner != null && containsIdentity(targetsOf(owner), outermost)) {
                targetsSeen.add(outermost);
                writes.add(TableName.of(table));
                return;
            }
            if (table.getSchema() == null && isCteReference(table, stack))
                return;
            reads.add(TableName.of(table));
        }

        private boolean isAliasWrapper(QueryPart part) {
            return part instanceof QOM.TableAlias<?> || JooqInternals.isAlias(part) || aliasedTables.contains(part);
        }

        /** Why {@code part} hides tables, or null when it does not. */
        private static @Nullable String opacity(QueryPart part, QueryPart[] stack) {
            if (part instanceof SQL sql)
                return PUNCTUATION_ONLY.matcher(sql.toString()).matches() ? null : "plain SQL: " + sql;
            if (part instanceof CustomField<?> || part instanceof CustomCondition || part instanceof CustomQueryPart)
                // Custom parts print whatever their code prints, and CustomField.of(name, type, lambda) is a
                // jOOQ class, so the package test below would not catch it. jOOQ wraps a window
                // specification in one (that visits the specification): that use is trusted.
                return stack.length >= 2 && stack[stack.length - 2] instanceof QOM.WindowFunction<?, ?>
                    ? null : "custom query part: " + part.getClass().getName();
            if (part instanceof TableImpl<?> table) {
                // TableImpl.accept is final: a subclass (generated code, CustomTable) cannot change what it prints.
                TableType type = table.getTableType();
                return type.isFunction() || type.isView() ? type.name().toLowerCase(Locale.ROOT) + " " + table : null;
            }
            if (!JooqInternals.isFromJooq(part))
                // Generated schemas, sequences, UDTs and domains only print their names; anything else
                // from outside jOOQ (a Custom* subclass, a generated routine) prints what it likes.
                return part instanceof Schema || part instanceof Catalog || part instanceof Sequence
                    || part instanceof UDT || part instanceof Domain ? null : "part from outside jOOQ: " + part.getClass().getName();
            if (part instanceof Statement || part instanceof Query)
                // dsl.query("…") and dsl.resultQuery("…") are reported by their SQL, just above.
                return isKnownStatement(part) || JooqInternals.isPlainSqlStatement(part)
                    ? null : "statement not analysed: " + kind(part);
            return null;
        }

        private static boolean isKnownStatement(QueryPart part) {
            return part instanceof Select<?> || part instanceof QOM.Insert<?> || part instanceof QOM.InsertReturning<?>
                || part instanceof QOM.Update<?> || part instanceof QOM.UpdateReturning<?>
                || part instanceof QOM.Delete<?> || part instanceof QOM.DeleteReturning<?>
                || part instanceof QOM.Merge<?> || part instanceof QOM.Truncate<?>;
        }

        private static String kind(QueryPart part) {
            return part.getClass().getSimpleName();
        }

        /**
         * The tables {@code part} writes, when it is a statement. {@code SELECT … INTO} renders as
         * {@code CREATE TABLE … AS} on PostgreSQL, so the create's table is a target too.
         */
        private static List<? extends Table<?>> targetsOf(QueryPart part) {
            return switch (part) {
                case QOM.Insert<?> insert -> List.of(insert.$into());
                case QOM.Update<?> update -> List.of(update.$table());
                case QOM.Delete<?> delete -> List.of(delete.$from());
                case QOM.Merge<?> merge -> List.of(merge.$into());
                case QOM.Truncate<?> truncate -> truncate.$table();
                case QOM.CreateTable create -> List.of(create.$table());
                case Select<?> select when select.$intoTable() != null -> List.of(select.$intoTable());
                default -> List.of();
            };
        }

        private static boolean containsIdentity(List<?> list, Object element) {
            return identityIndexOf(list, element) >= 0;
        }

        /**
         * The position of this very object in {@code list}, or -1. jOOQ's query parts are equal when
         * they render alike, so two mentions of one table, or same-named CTEs, would be equal.
         */
        @SuppressWarnings("ReferenceEquality")   // identity is the point, see above
        private static int identityIndexOf(List<?> list, Object element) {
            for (int k = 0; k < list.size(); k++)
                if (list.get(k) == element)
                    return k;
            return -1;
        }

        /**
         * Whether a schema-less table names a CTE in scope, walking the enclosing statements outwards.
         * Inside the body of CTE k only CTEs 0..k-1 are visible (0..k with RECURSIVE), as in PostgreSQL.
         */
        private static boolean isCteReference(TableImpl<?> table, QueryPart[] stack) {
            String name = TableName.normalize(table.getUnqualifiedName());
            CommonTableExpression<?> declaring = null;
            for (int i = stack.length - 2; i >= 0; i--) {
                QueryPart ancestor = stack[i];
                if (ancestor instanceof CommonTableExpression<?> cte) {
                    declaring = cte;
                    continue;
                }
                QOM.With with = withOf(ancestor);
                if (with == null)
                    continue;
                List<? extends CommonTableExpression<?>> ctes = with.$commonTableExpressions();
                int visible = ctes.size();
                int declaringIndex = indexOf(ctes, declaring);
                if (declaringIndex >= 0)
                    visible = with.$recursive() ? declaringIndex + 1 : declaringIndex;
                for (int k = 0; k < visible; k++)
                    if (TableName.normalize(ctes.get(k).getUnqualifiedName()).equals(name))
                        return true;
            }
            return false;
        }

        /**
         * The position of {@code cte} in {@code ctes}: by identity, else by name. A name match can only
         * be a same-named CTE of an outer WITH; taking it narrows what is in scope, which over-reports.
         */
        private static int indexOf(List<? extends CommonTableExpression<?>> ctes, @Nullable CommonTableExpression<?> cte) {
            if (cte == null)
                return -1;
            int same = identityIndexOf(ctes, cte);
            if (same >= 0)
                return same;
            String name = TableName.normalize(cte.getUnqualifiedName());
            for (int k = 0; k < ctes.size(); k++)
                if (TableName.normalize(ctes.get(k).getUnqualifiedName()).equals(name))
                    return k;
            return -1;
        }

        private static QOM.@Nullable With withOf(QueryPart part) {
            return switch (part) {
                case Select<?> select -> select.$with();
                case QOM.Insert<?> insert -> insert.$with();
                case QOM.Update<?> update -> update.$with();
                case QOM.Delete<?> delete -> delete.$with();
                case QOM.Merge<?> merge -> merge.$with();
                default -> null;
            };
        }
    }
}
