package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlClassifierTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "select 1",
        "  SELECT \"id\" from \"items\" where \"id\" = ?",
        "(select 1) union (select 2)",
        "with t as (select 1) select * from t",
        "values (1), (2)",
        "table items",
        "/* hi */ select 1",
        "-- comment\nselect 1",
        "select 'insert into x' from t",
        "select \"update\", \"delete\" from t",
        "select $$ delete from x $$",
        "select $tag$ update $tag$",
        "select E'it\\'s insert' from t",
        "select * from t where \"for\" = 'share'",
        "select count(*) over (partition by a) from t",
        "select 1;",
        "select 1; -- done",
        "select \"nextval\" from t",
        "select nextval from t",
        "select 'nextval(1)' from t",
        "select now(), random()",
    })
    void readsAreCacheable(String sql) {
        assertThat(SqlClassifier.isCacheableRead(sql)).as(sql).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "insert into t values (1) returning id",
        "update t set a = 1 returning *",
        "delete from t returning *",
        "with d as (delete from t returning *) select * from d",
        "with i as (insert into t values (1) returning *) select * from i",
        "merge into t using s on (t.id = s.id) when matched then do nothing",
        "select * from t for update",
        "select * from t for no key update",
        "select * from t for share",
        "select * from t for key share",
        "select * into new_table from t",
        "truncate t",
        "call p()",
        "set search_path = x",
        "",
        "   ",
        "/* only a comment */",
        "select 1; drop table t",
        "select 1; select 2",
        "select nextval('s')",
        "select NEXTVAL ('s')",
        "select setval('s', 1)",
        "select currval('s'), lastval()",
        "select pg_advisory_lock(1)",
        "select pg_try_advisory_xact_lock(1)",
        "select set_config('search_path', 'x', false)",
        "select pg_notify('channel', 'message')",
    })
    void writesLocksAndOthersPassThrough(String sql) {
        assertThat(SqlClassifier.isCacheableRead(sql)).as(sql).isFalse();
    }
}
