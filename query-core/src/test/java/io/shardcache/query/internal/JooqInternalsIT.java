package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jooq.Binding;
import org.jooq.BindingGetResultSetContext;
import org.jooq.BindingGetSQLInputContext;
import org.jooq.BindingGetStatementContext;
import org.jooq.BindingRegisterContext;
import org.jooq.BindingSQLContext;
import org.jooq.BindingSetSQLOutputContext;
import org.jooq.BindingSetStatementContext;
import org.jooq.Configuration;
import org.jooq.Context;
import org.jooq.Converter;
import org.jooq.DSLContext;
import org.jooq.QueryPart;
import org.jooq.SQLDialect;
import org.jooq.VisitListener;
import org.jooq.impl.CustomField;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The canary of {@link JooqInternals}: each assumption it makes about jOOQ beyond the public API,
 * checked against the jOOQ on the class path. When a jOOQ upgrade breaks one, the failure names it
 * and the code that relies on it.
 */
@ExtendWith(ServicesExtension.class)
class JooqInternalsIT {

    private static final String UPGRADE = " (a jOOQ upgrade changed it: update JooqInternals";

    private final DSLContext dsl = DSL.using(SQLDialect.POSTGRES);

    @Test
    void jooqsDefaultBindingsAndRecordTypesAreInItsImplementationPackage() {
        assertThat(JooqInternals.isJooqBinding(SQLDataType.INTEGER.getBinding()))
            .as("jOOQ's default bindings live in " + JooqInternals.IMPL + UPGRADE + ".IMPL; RecordShape, PreparedRead and "
                + "BindingReads then pass every field through uncached)").isTrue();
        assertThat(JooqInternals.isJooqBinding(SQLDataType.VARCHAR.asConvertedDataType(new UpperCase()).getBinding()))
            .as("a converted type's binding is jOOQ's too").isTrue();
        assertThat(JooqInternals.isJooqBinding(new OwnBinding())).as("a binding of the user's own").isFalse();
        assertThat(JooqInternals.isJooqImplementation(dsl.newRecord(DSL.field("a", Integer.class)).getClass()))
            .as("the records a fetch builds are jOOQ's implementation's" + UPGRADE + ".IMPL; RecordShape)").isTrue();
    }

    @Test
    void jooqsQueryPartsAreUnderItsPackageAndUsersAreNot() {
        assertThat(JooqInternals.isFromJooq(DSL.field(DSL.name("a")))).as("jOOQ's parts are under " + JooqInternals.JOOQ + UPGRADE
            + ".JOOQ; QueryTables then refuses every query)").isTrue();
        assertThat(JooqInternals.isFromJooq(new OwnField())).as("a part of the user's own").isFalse();
    }

    @Test
    void aTableAliasIsVisitedAsJooqsAlias() {
        List<QueryPart> visited = new ArrayList<>();
        Configuration c = new DefaultConfiguration().set(SQLDialect.POSTGRES)
            .set(VisitListener.onVisitStart(ctx -> visited.add(ctx.queryPart())));
        DSL.using(c).render(DSL.select().from(DSL.table(DSL.name("t")).as("x")));
        assertThat(visited).as("an aliased table is rendered through " + JooqInternals.ALIAS + UPGRADE
            + ".ALIAS; QueryTables then cannot see the table behind an alias)").anyMatch(JooqInternals::isAlias);
        assertThat(visited).as("nothing else is taken for an alias").filteredOn(JooqInternals::isAlias)
            .allMatch(p -> p.getClass().getName().equals(JooqInternals.ALIAS));
    }

    @Test
    void plainSqlStatementsAreJooqsSqlClasses() {
        assertThat(JooqInternals.isPlainSqlStatement(dsl.query("update t set a = 1"))).as("dsl.query(\"…\") is a "
            + JooqInternals.PLAIN_SQL + "… class" + UPGRADE + ".PLAIN_SQL; QueryTables then refuses plain-SQL statements)").isTrue();
        assertThat(JooqInternals.isPlainSqlStatement(dsl.resultQuery("select 1"))).as("dsl.resultQuery(\"…\")").isTrue();
        assertThat(JooqInternals.isPlainSqlStatement(dsl.selectOne())).as("a DSL select is not plain SQL").isFalse();
    }

    @Test
    void jooqsTransactionProviderKeepsTheConnectionUnderItsDataKey(TestSchema schema) throws Exception {
        AtomicBoolean inside = new AtomicBoolean();
        AtomicBoolean detached = new AtomicBoolean(true);
        try (Connection connection = schema.connect()) {
            DSLContext onConnection = DSL.using(connection, SQLDialect.POSTGRES);
            assertThat(JooqInternals.inJooqTransaction(onConnection.configuration())).as("outside a transaction").isFalse();
            onConnection.transaction(trx -> {
                inside.set(JooqInternals.inJooqTransaction(trx));
                detached.set(JooqInternals.inJooqTransaction(JooqInternals.detachedFromTransaction(trx.derive())));
            });
        }
        assertThat(inside).as("jOOQ's DefaultTransactionProvider keeps the transaction's connection under "
            + JooqInternals.TRANSACTION_CONNECTION + UPGRADE + ".TRANSACTION_CONNECTION; WriteTracker then refuses writes in "
            + "dsl.transaction(...), and probes inside a transaction reach its connection)").isTrue();
        assertThat(detached).as("a derived configuration forgets it").isFalse();
    }

    /** A converter of the user's own, on one of jOOQ's bindings. */
    private static final class UpperCase implements Converter<String, String> {
        @Override
        public String from(String s) {
            return s == null ? null : s.toUpperCase(java.util.Locale.ROOT);
        }

        @Override
        public String to(String s) {
            return s;
        }

        @Override
        public Class<String> fromType() {
            return String.class;
        }

        @Override
        public Class<String> toType() {
            return String.class;
        }
    }

    private static final class OwnField extends CustomField<Integer> {
        OwnField() {
            super(DSL.name("own"), SQLDataType.INTEGER);
        }

        @Override
        public void accept(Context<?> ctx) {
            ctx.sql("1");
        }
    }

    private static final class OwnBinding implements Binding<Object, String> {
        @Override
        public Converter<Object, String> converter() {
            return Converter.ofNullable(Object.class, String.class, String::valueOf, s -> s);
        }

        @Override
        public void sql(BindingSQLContext<String> ctx) {
        }

        @Override
        public void register(BindingRegisterContext<String> ctx) {
        }

        @Override
        public void set(BindingSetStatementContext<String> ctx) {
        }

        @Override
        public void set(BindingSetSQLOutputContext<String> ctx) {
        }

        @Override
        public void get(BindingGetResultSetContext<String> ctx) {
        }

        @Override
        public void get(BindingGetStatementContext<String> ctx) {
        }

        @Override
        public void get(BindingGetSQLInputContext<String> ctx) {
        }
    }
}
