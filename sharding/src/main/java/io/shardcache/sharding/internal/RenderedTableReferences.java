package io.shardcache.sharding.internal;

import io.shardcache.sharding.ShardedTables;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Field;
import org.jooq.QualifiedAsterisk;
import org.jooq.Query;
import org.jooq.QueryPart;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.VisitContext;
import org.jooq.VisitListener;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;

/**
 * Counts the places where a query reads a sharded table, as jOOQ itself sees them while rendering the
 * query: every part of the query is visited, including the parts jOOQ's open-source model API does not
 * expose (the branches of a {@code UNION}, which it keeps out of {@code $from()}/{@code $where()}) and the
 * parts {@link ShardKeyFinder} does not descend into (subqueries, CTEs, derived tables). Nothing is parsed:
 * the listener looks at the {@link QueryPart} objects, not at the SQL text.
 *
 * <p>A table counts as a reference when it is visited unaliased (an alias renders the table it aliases as
 * a child, which is the one counted) and not as the qualifier of a column or of {@code t.*}.
 */
final class RenderedTableReferences implements VisitListener {

    private final ShardedTables tables;
    private final Deque<QueryPart> stack = new ArrayDeque<>();
    private final Map<List<String>, Integer> counts = new HashMap<>();

    private RenderedTableReferences(ShardedTables tables) {
        this.tables = tables;
    }

    /** The number of references to each declared sharded table, by its qualified name's parts. */
    static Map<List<String>, Integer> count(Query query, ShardedTables tables) {
        RenderedTableReferences listener = new RenderedTableReferences(tables);
        DSL.using(new DefaultConfiguration().set(SQLDialect.POSTGRES).set(listener)).render(query);
        return listener.counts;
    }

    @Override
    public void visitStart(VisitContext ctx) {
        QueryPart part = ctx.queryPart();
        QueryPart parent = stack.peek();
        if (part instanceof Table<?> t
            && !(parent instanceof Field<?>) && !(parent instanceof QualifiedAsterisk)
            && tables.isDeclared(t))
            counts.merge(TableNames.key(t), 1, Integer::sum);
        stack.push(part == null ? DSL.noCondition() : part);
    }

    @Override
    public void visitEnd(VisitContext ctx) {
        stack.pop();
    }
}
