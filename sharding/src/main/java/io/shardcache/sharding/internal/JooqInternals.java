package io.shardcache.sharding.internal;

import org.jooq.Condition;
import org.jooq.impl.DSL;

/**
 * The sharding module's one assumption about jOOQ beyond its public API, checked against the jOOQ on
 * the class path by {@code JooqInternalsTest}: jOOQ keeps a join's {@code ON} condition (as
 * {@code QOM.QualifiedJoin.$on()} answers it) in an internal, mutable holder that is itself a
 * {@link Condition} but none of the {@code QOM} condition types; its {@code and(noCondition())}
 * answers the condition it holds, while a plain condition answers itself. That is the only public way
 * to reach it. (query-core's assumptions are in its own {@code JooqInternals}.)
 */
public final class JooqInternals {

    private JooqInternals() {
    }

    /** The condition {@code c} holds if it is jOOQ's holder of a join's {@code ON} condition, else {@code c}. */
    public static Condition held(Condition c) {
        return c.and(DSL.noCondition());
    }
}
