package io.shardcache.sharding.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Select;
import org.jooq.impl.DSL;
import org.jooq.impl.QOM;
import org.junit.jupiter.api.Test;

/** The canary of {@link JooqInternals}: its assumption checked against the jOOQ on the class path. */
class JooqInternalsTest {

    @Test
    void aJoinsOnConditionIsReachedThroughItsHolder() {
        Field<Integer> a = DSL.field(DSL.name("a", "k"), Integer.class);
        Field<Integer> b = DSL.field(DSL.name("b", "k"), Integer.class);
        Select<?> query = DSL.select().from(DSL.table(DSL.name("a")).join(DSL.table(DSL.name("b"))).on(a.eq(b).and(a.eq(7))));
        QOM.QualifiedJoin<?, ?> join = (QOM.QualifiedJoin<?, ?>) query.$from().getFirst();
        Condition on = join.$on();
        assertThat(on).as("the join's ON condition").isNotNull();
        Condition held = JooqInternals.held(on);
        assertThat(held).as("jOOQ's holder of a join's ON condition answers the condition it holds to and(noCondition())"
            + " (a jOOQ upgrade changed it: update sharding's JooqInternals.held; ShardKeyFinder then cannot route by a join's ON keys)")
            .isInstanceOf(QOM.And.class);
        Condition plain = a.eq(7);
        assertThat(JooqInternals.held(plain)).as("a plain condition answers itself").isSameAs(plain);
    }
}
