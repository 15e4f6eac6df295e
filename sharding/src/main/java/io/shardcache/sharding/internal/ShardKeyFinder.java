package io.shardcache.sharding.internal;

import io.shardcache.sharding.ShardedTables;
import io.shardcache.sharding.UnroutableQueryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Param;
import org.jooq.Query;
import org.jooq.Row;
import org.jooq.Select;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.exception.DataTypeException;
import org.jooq.impl.QOM;
import org.jspecify.annotations.Nullable;

/**
 * Reads from a jOOQ query's object model the shard-key values that pin each sharded table it touches, as
 * switchman does for ActiveRecord relations. No SQL is parsed.
 *
 * <h2>Algorithm</h2>
 * <ol>
 *   <li><b>Occurrences.</b> The statement's tables are collected from the model: {@code Select.$from()}
 *       (joins unwrapped, aliases resolved to the table they alias), the target of an UPDATE plus its
 *       {@code FROM}, the target of a DELETE plus its {@code USING}, the target of an INSERT. Each reference
 *       to a {@linkplain ShardedTables declared} table is one occurrence (a self-join has two).</li>
 *   <li><b>Facts.</b> A condition yields <em>pins</em> (occurrence → the set of key values its rows are
 *       restricted to) and <em>links</em> (two occurrences' keys are equal):
 *       {@code col = v}, {@code v = col}, {@code col IS NOT DISTINCT FROM v} pin {v}; {@code col IN (v1, v2)}
 *       pins {v1, v2}; {@code a.col = b.col} links; {@code X AND Y} keeps every pin of either side
 *       (intersected when both pin one occurrence; if the intersection is empty the query matches no row,
 *       and X's keys are kept, which is still correct); {@code X OR Y} pins an occurrence only when both
 *       sides pin it (union) and forgets links. Everything else pins nothing: {@code NOT}, ranges,
 *       {@code IN (SELECT ...)}, a function of the column, a {@code null} or value-less bind value.</li>
 *   <li><b>Closure.</b> WHERE facts hold for every row the statement reads; links copy a pinned side's keys
 *       to the other. The ON condition of a join restricts only the rows of its non-preserved side(s): an
 *       inner join's both sides, a left (semi, anti) join's right side, a right join's left side, a full
 *       join's neither. ON facts are closed with the keys already known (a preserved side pinned by WHERE
 *       pins a left-joined table through {@code o.user_id = u.id}, since a row of the joined table appears
 *       only when it matches, and {@code NULL} matches nothing), repeated until nothing changes.</li>
 *   <li><b>Completeness.</b> Every occurrence must end pinned, or the query is refused naming the table and
 *       column. Then {@link RenderedTableReferences} counts, while jOOQ renders the query, every place a
 *       sharded table is read; a count above the occurrences (a subquery, a UNION branch, a CTE, a derived
 *       table, an INSERT ... SELECT) is refused too, because those rows would be read from the routed shard
 *       only without anything saying they live there.</li>
 * </ol>
 *
 * <p>Stateless and thread-safe. Failures are {@link UnroutableQueryException}s thrown before anything runs.
 */
public final class ShardKeyFinder {

    /**
     * One occurrence of a sharded table and the keys that pin it.
     *
     * @param table  the table (unaliased)
     * @param column its shard-key column
     * @param alias  the occurrence's alias, or {@code null}
     * @param keys   the key values, converted to the column's type, at least one
     */
    public record Pin(Table<?> table, Field<?> column, @Nullable Name alias, Set<Object> keys) {
        /** {@code users}, or {@code users (as u)}. */
        public String tableText() {
            return alias == null ? table.getName() : table.getName() + " (as " + alias.last() + ")";
        }

        /** {@code users.id}, or {@code u.id}. */
        public String columnText() {
            return (alias == null ? table.getName() : alias.last()) + "." + column.getName();
        }
    }

    private final ShardedTables tables;

    public ShardKeyFinder(ShardedTables tables) {
        this.tables = tables;
    }

    /**
     * One pin per occurrence of a sharded table, in the order the statement names them; empty when the
     * statement touches no sharded table.
     *
     * @throws UnroutableQueryException if a sharded table is not pinned, is read where it cannot be pinned,
     *                                  or the statement is of a kind this does not read
     */
    public List<Pin> find(Query query) {
        List<Pin> pins = switch (query) {
            case QOM.InsertReturning<?> r -> insert(r.$insert());
            case QOM.UpdateReturning<?> r -> update(r.$update());
            case QOM.DeleteReturning<?> r -> delete(r.$delete());
            case QOM.Insert<?> i -> insert(i);
            case QOM.Update<?> u -> update(u);
            case QOM.Delete<?> d -> delete(d);
            case Select<?> s -> select(s);
            case null -> throw new NullPointerException("query");
            default -> throw new UnroutableQueryException("cannot read the shard key of a " + query.getClass().getSimpleName()
                + " (only SELECT, INSERT ... VALUES, UPDATE and DELETE are analysed): " + oneLine(query)
                + "; pick the shard with on(key) or run it through onAll");
        };
        checkEveryReferenceIsPinned(query, pins);
        return pins;
    }

    // ---- statements ----------------------------------------------------------------------------------

    private List<Pin> select(Select<?> select) {
        Scope s = new Scope();
        for (Table<?> t : select.$from())
            s.add(t);
        return s.resolve(select.$where());
    }

    private List<Pin> update(QOM.Update<?> update) {
        Scope s = new Scope();
        s.add(update.$table());
        for (Table<?> t : update.$from())
            s.add(t);
        return s.resolve(update.$where());
    }

    private List<Pin> delete(QOM.Delete<?> delete) {
        Scope s = new Scope();
        s.add(delete.$from());
        for (Table<?> t : delete.$using())
            s.add(t);
        return s.resolve(delete.$where());
    }

    private List<Pin> insert(QOM.Insert<?> insert) {
        Scope s = new Scope();
        s.add(insert.$into());
        if (s.occurrences.isEmpty())
            return List.of();
        Occurrence o = s.occurrences.getFirst();
        if (insert.$select() != null)
            throw new UnroutableQueryException("INSERT ... SELECT into sharded table " + o.tableText()
                + ": the shard of the inserted rows is not in the statement; insert VALUES that give "
                + o.columnText() + ", or run it through onAll");
        List<? extends Field<?>> columns = insert.$columns();
        int index = -1;
        for (int i = 0; i < columns.size() && index < 0; i++)
            if (s.refersTo(columns.get(i), o))
                index = i;
        if (index < 0)
            throw new UnroutableQueryException("INSERT into sharded table " + o.tableText() + " does not set "
                + o.columnText() + "; give it in every row, or run it through onAll");
        Set<Object> keys = new LinkedHashSet<>();
        int rowNumber = 0;
        for (Row row : insert.$values()) {
            rowNumber++;
            Object key = index < row.size() ? keyOf(o, row.field(index)) : null;
            if (key == null)
                throw new UnroutableQueryException("INSERT into sharded table " + o.tableText() + ": row " + rowNumber
                    + " gives " + o.columnText() + " as " + (index < row.size() ? oneLine(row.field(index)) : "nothing")
                    + ", not a value; give a non-null value in every row, or run it through onAll");
            keys.add(key);
        }
        if (keys.isEmpty())
            throw new UnroutableQueryException("INSERT into sharded table " + o.tableText() + " has no VALUES row "
                + "giving " + o.columnText() + "; run it through onAll");
        return List.of(o.pin(keys));
    }

    private void checkEveryReferenceIsPinned(Query query, List<Pin> pins) {
        Map<List<String>, Integer> analysed = new HashMap<>();
        for (Pin p : pins)
            analysed.merge(TableNames.key(p.table()), 1, Integer::sum);
        Map<List<String>, Integer> rendered = RenderedTableReferences.count(query, tables);
        for (var e : rendered.entrySet())
            if (e.getValue() > analysed.getOrDefault(e.getKey(), 0))
                throw new UnroutableQueryException("query reads sharded table " + e.getKey().getLast() + " in a subquery, "
                    + "a set operation (UNION, INTERSECT, EXCEPT), a CTE or a derived table, where its shard key cannot "
                    + "be pinned; route the parts separately or run it through onAll: " + oneLine(query));
    }

    // ---- occurrences and conditions ------------------------------------------------------------------

    private record Occurrence(int index, Table<?> table, Field<?> column, @Nullable Name alias) {
        List<String> reference() {
            return alias != null ? parts(alias) : TableNames.key(table);
        }

        String tableText() {
            return pin(Set.of()).tableText();
        }

        String columnText() {
            return pin(Set.of()).columnText();
        }

        Pin pin(Set<Object> keys) {
            return new Pin(table, column, alias, keys);
        }
    }

    /** A join's ON condition and the occurrences whose rows it restricts. */
    private record On(Condition condition, List<Integer> targets) {
    }

    /** What a condition says: pins (occurrence index → keys) and links (pairs of equal keys). */
    private record Facts(Map<Integer, Set<Object>> pins, List<int[]> links) {
        static final Facts NONE = new Facts(Map.of(), List.of());

        /** No pins and no links, as {@link #NONE}: and-ing it adds nothing. */
        boolean isEmpty() {
            return pins.isEmpty() && links.isEmpty();
        }
    }

    /** The tables of one statement (subqueries are not descended into: see the class comment). */
    private final class Scope {
        final List<Occurrence> occurrences = new ArrayList<>();
        final List<On> ons = new ArrayList<>();
        int tableCount;

        /** Adds {@code t} and the tables it joins; returns the occurrences under it. */
        List<Integer> add(Table<?> t) {
            if (t instanceof QOM.JoinTable<?, ?> join) {
                List<Integer> left = add(join.$table1());
                List<Integer> right = add(join.$table2());
                List<Integer> both = new ArrayList<>(left);
                both.addAll(right);
                if (join instanceof QOM.QualifiedJoin<?, ?> q && q.$on() != null) {
                    List<Integer> targets = switch (join) {
                        case QOM.Join<?> j -> both;
                        case QOM.StraightJoin<?> j -> both;
                        case QOM.LeftJoin<?> j -> right;
                        case QOM.LeftSemiJoin<?> j -> right;
                        case QOM.LeftAntiJoin<?> j -> right;
                        case QOM.RightJoin<?> j -> left;
                        default -> List.of();   // a full join preserves both sides: ON restricts no side's rows
                    };
                    ons.add(new On(q.$on(), targets));
                }
                return both;
            }
            tableCount++;
            Table<?> base = tables.declaredTableOf(t).orElse(null);
            if (base == null)
                return List.of();     // unsharded, or an aliased join or derived table: the render count catches what it hides
            Occurrence o = new Occurrence(occurrences.size(), base, tables.shardKeyOf(base).orElseThrow(), aliasOf(t));
            occurrences.add(o);
            return List.of(o.index());
        }

        List<Pin> resolve(@Nullable Condition where) {
            Map<Integer, Set<Object>> known = close(facts(where), Map.of());
            // ON conditions may pin through keys others pinned; a few rounds reach the fixed point.
            for (int round = 0; round <= ons.size(); round++) {
                boolean changed = false;
                for (On on : ons) {
                    Map<Integer, Set<Object>> found = close(facts(on.condition()), known);
                    for (int target : on.targets())
                        if (!known.containsKey(target) && found.containsKey(target)) {
                            known.put(target, found.get(target));
                            changed = true;
                        }
                }
                if (!changed)
                    break;
            }
            List<Pin> pins = new ArrayList<>(occurrences.size());
            for (Occurrence o : occurrences) {
                Set<Object> keys = known.get(o.index());
                if (keys == null)
                    throw new UnroutableQueryException("query on sharded table " + o.tableText() + " has no equality or "
                        + "IN predicate on " + o.columnText() + "; add one or run it through onAll");
                pins.add(o.pin(Collections.unmodifiableSet(keys)));
            }
            return pins;
        }

        Facts facts(@Nullable Condition c) {
            return switch (c) {
                case null -> Facts.NONE;
                case QOM.And and -> and(facts(and.$arg1()), facts(and.$arg2()));
                case QOM.Or or -> or(facts(or.$arg1()), facts(or.$arg2()));
                case QOM.Eq<?> eq -> equality(eq.$arg1(), eq.$arg2());
                case QOM.IsNotDistinctFrom<?> eq -> equality(eq.$arg1(), eq.$arg2());
                case QOM.InList<?> in -> inList(in.$field(), in.$list());
                default -> {
                    Condition held = JooqInternals.held(c);   // a join's ON condition, in jOOQ's holder
                    // jOOQ hands back c itself when it holds nothing: this very object, not an equal one
                    @SuppressWarnings("ReferenceEquality")
                    boolean unwrapped = held != c;
                    yield unwrapped ? facts(held) : Facts.NONE;
                }
            };
        }

        private Facts equality(Field<?> a, Field<?> b) {
            Occurrence oa = occurrenceOf(a);
            Occurrence ob = occurrenceOf(b);
            if (oa != null && ob != null)
                return new Facts(Map.of(), List.<int[]>of(new int[] {oa.index(), ob.index()}));
            Occurrence o = oa != null ? oa : ob;
            if (o == null)
                return Facts.NONE;
            Object key = keyOf(o, oa != null ? b : a);
            return key == null ? Facts.NONE : new Facts(Map.of(o.index(), Set.of(key)), List.of());
        }

        private Facts inList(Field<?> field, List<? extends Field<?>> list) {
            Occurrence o = occurrenceOf(field);
            if (o == null || list.isEmpty())
                return Facts.NONE;
            Set<Object> keys = new LinkedHashSet<>();
            for (Field<?> f : list) {
                Object key = keyOf(o, f);
                if (key == null)
                    return Facts.NONE;
                keys.add(key);
            }
            return new Facts(Map.of(o.index(), keys), List.of());
        }

        private @Nullable Occurrence occurrenceOf(Field<?> f) {
            Occurrence found = null;
            for (Occurrence o : occurrences)
                if (refersTo(f, o)) {
                    if (found != null)
                        return null;    // ambiguous (an unqualified column of a self-join): pins nothing
                    found = o;
                }
            return found;
        }

        boolean refersTo(Field<?> f, Occurrence o) {
            if (f instanceof Param<?> || !f.getName().equals(o.column().getName()))
                return false;
            List<String> qualifier;
            if (f instanceof TableField<?, ?> tf && tf.getTable() != null)
                qualifier = referenceOf(tf.getTable());
            else if (f.getQualifiedName().qualified())
                qualifier = parts(Objects.requireNonNull(f.getQualifiedName().qualifier(),
                    "qualifier of a qualified name"));
            else
                return tableCount == 1;     // an unqualified column is unambiguous only with one table
            // "users"."id" names app.users when no alias hides it, as PostgreSQL resolves it
            return qualifier.equals(o.reference()) || (o.alias() == null && qualifier.equals(List.of(o.table().getName())));
        }
    }

    /** The alias under which {@code t} appears, or {@code null} if it is a declared table itself. */
    private @Nullable Name aliasOf(Table<?> t) {
        if (t instanceof QOM.Aliasable<?> a && a.$alias() != null)
            return a.$alias();
        if (tables.isDeclared(t) || tables.declaredTableOf(t).isEmpty())
            return null;
        return t.getUnqualifiedName();      // a generated table's alias: see ShardedTables.declaredTableOf
    }

    /** How columns qualify {@code t}: by its alias, or by its schema and name. */
    private List<String> referenceOf(Table<?> t) {
        Name alias = aliasOf(t);
        return alias != null ? parts(alias) : TableNames.key(t);
    }

    private static Facts and(Facts x, Facts y) {
        if (x.isEmpty())
            return y;
        if (y.isEmpty())
            return x;
        Map<Integer, Set<Object>> pins = new HashMap<>(y.pins());
        x.pins().forEach((occurrence, keys) -> pins.merge(occurrence, keys, (ky, kx) -> {
            Set<Object> both = new LinkedHashSet<>(kx);
            both.retainAll(ky);
            return both.isEmpty() ? kx : both;
        }));
        List<int[]> links = new ArrayList<>(x.links());
        links.addAll(y.links());
        return new Facts(pins, links);
    }

    private static Facts or(Facts x, Facts y) {
        Map<Integer, Set<Object>> px = close(x, Map.of());
        Map<Integer, Set<Object>> py = close(y, Map.of());
        Map<Integer, Set<Object>> pins = new HashMap<>();
        px.forEach((occurrence, keys) -> {
            Set<Object> other = py.get(occurrence);
            if (other != null) {
                Set<Object> either = new LinkedHashSet<>(keys);
                either.addAll(other);
                pins.put(occurrence, either);
            }
        });
        return new Facts(pins, List.of());
    }

    /** {@code facts}' pins, plus those its links carry from them or from {@code known}. */
    private static Map<Integer, Set<Object>> close(Facts facts, Map<Integer, Set<Object>> known) {
        Map<Integer, Set<Object>> pins = new HashMap<>(facts.pins());
        boolean changed = !facts.links().isEmpty();
        while (changed) {
            changed = false;
            for (int[] link : facts.links())
                for (int side = 0; side < 2; side++) {
                    int from = link[side];
                    int to = link[1 - side];
                    Set<Object> keys = pins.containsKey(from) ? pins.get(from) : known.get(from);
                    if (keys != null && !pins.containsKey(to)) {
                        pins.put(to, keys);
                        changed = true;
                    }
                }
        }
        return pins;
    }

    /** The value of {@code f} as a key of {@code o}'s column, or {@code null} if {@code f} is not a non-null bind value. */
    private static @Nullable Object keyOf(Occurrence o, @Nullable Field<?> f) {
        if (!(f instanceof Param<?> p) || p.getValue() == null)
            return null;
        try {
            return o.column().getDataType().convert(p.getValue());
        } catch (DataTypeException e) {
            throw new UnroutableQueryException("the value " + p.getValue() + " (" + p.getValue().getClass().getName()
                + ") compared with " + o.columnText() + " cannot be converted to its type "
                + o.column().getDataType().getTypeName() + ": " + e.getMessage());
        }
    }

    private static List<String> parts(Name name) {
        return Arrays.asList(name.getName());
    }

    private static String oneLine(@Nullable Object part) {
        String s = String.valueOf(part).replaceAll("\\s+", " ").trim();
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
