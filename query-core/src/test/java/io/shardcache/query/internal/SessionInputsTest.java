package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which statements may change a session, and which of them write no table. */
class SessionInputsTest {

    @Test
    void setResetAndDiscardAreSessionStatementsWhateverTheirCaseAndLeadingComments() {
        for (String sql : new String[] {"SET search_path = x", "  set time zone 'UTC'", "Reset all", "DISCARD ALL",
                "set\ttimezone to default", "-- a note\nset search_path = x",
                "/* one */ /* two /* nested */ */ SET ROLE r", "\n\t/* c */\n-- d\nreset role"}) {
            assertThat(SessionInputs.isSessionStatement(sql)).as(sql).isTrue();
            assertThat(SessionInputs.mayChangeSession(sql)).as(sql).isTrue();
        }
    }

    @Test
    void setConfigAnywhereMayChangeTheSessionButIsNoSessionStatement() {
        for (String sql : new String[] {"select set_config('search_path', 'x', false)", "SELECT SET_CONFIG('a.b', 'c', true), 1",
                "with s as (select set_config('x.y', '1', false)) select * from s"}) {
            assertThat(SessionInputs.mayChangeSession(sql)).as(sql).isTrue();
            assertThat(SessionInputs.isSessionStatement(sql)).as(sql).isFalse();
        }
    }

    @Test
    void otherStatementsAreNeither() {
        for (String sql : new String[] {"select * from settings", "update t set v = 1", "insert into setup values (1)",
                "settle", "resetting", "select 'set x'", "-- set x\nselect 1", "/* set */ select 1", "discarded", ""}) {
            assertThat(SessionInputs.isSessionStatement(sql)).as(sql).isFalse();
            assertThat(SessionInputs.mayChangeSession(sql)).as(sql).isFalse();
        }
    }
}
