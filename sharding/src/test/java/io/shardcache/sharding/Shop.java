package io.shardcache.sharding;

import org.jooq.Name;
import org.jooq.Record;
import org.jooq.Schema;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.TableOptions;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.jooq.impl.TableImpl;

/**
 * Tables written as jOOQ's code generator writes them (TableImpl subclasses in schema {@code app}, aliases
 * made by {@code as}): users sharded by id, orders sharded by user_id, countries unsharded.
 */
final class Shop {
    static final Schema APP = DSL.schema(DSL.name(Items.APP_SCHEMA));
    static final Users USERS = new Users(DSL.name("users"), null);
    static final Orders ORDERS = new Orders(DSL.name("orders"), null);
    static final Countries COUNTRIES = new Countries(DSL.name("countries"), null);

    static final ShardedTables TABLES = ShardedTables.builder().table(USERS, USERS.ID).table(ORDERS, ORDERS.USER_ID).build();

    /** Creates a shard's users, orders and countries; rows say which shard holds them. */
    static final String TEMPLATE = """
        create schema %{name};
        create table %{name}.users (id bigint primary key, shard int not null check (shard = %{shard}), name text not null);
        create table %{name}.orders (id bigint primary key, user_id bigint not null, shard int not null check (shard = %{shard}), total int not null);
        create table %{name}.countries (code text primary key, name text not null);
        insert into %{name}.countries values ('fr', 'France'), ('nz', 'New Zealand')""";

    static final class Users extends TableImpl<Record> {
        final TableField<Record, Long> ID = createField(DSL.name("id"), SQLDataType.BIGINT.nullable(false), this);
        final TableField<Record, Integer> SHARD = createField(DSL.name("shard"), SQLDataType.INTEGER.nullable(false), this);
        final TableField<Record, String> NAME = createField(DSL.name("name"), SQLDataType.CLOB.nullable(false), this);

        private Users(Name alias, Table<Record> aliased) {
            super(alias, null, aliased, null, DSL.comment(""), TableOptions.table(), null);
        }

        @Override
        public Schema getSchema() {
            return aliased() ? null : APP;
        }

        @Override
        public Users as(String alias) {
            return new Users(DSL.name(alias), this);
        }
    }

    static final class Orders extends TableImpl<Record> {
        final TableField<Record, Long> ID = createField(DSL.name("id"), SQLDataType.BIGINT.nullable(false), this);
        final TableField<Record, Long> USER_ID = createField(DSL.name("user_id"), SQLDataType.BIGINT.nullable(false), this);
        final TableField<Record, Integer> SHARD = createField(DSL.name("shard"), SQLDataType.INTEGER.nullable(false), this);
        final TableField<Record, Integer> TOTAL = createField(DSL.name("total"), SQLDataType.INTEGER.nullable(false), this);

        private Orders(Name alias, Table<Record> aliased) {
            super(alias, null, aliased, null, DSL.comment(""), TableOptions.table(), null);
        }

        @Override
        public Schema getSchema() {
            return aliased() ? null : APP;
        }

        @Override
        public Orders as(String alias) {
            return new Orders(DSL.name(alias), this);
        }
    }

    static final class Countries extends TableImpl<Record> {
        final TableField<Record, String> CODE = createField(DSL.name("code"), SQLDataType.CLOB.nullable(false), this);
        final TableField<Record, String> NAME = createField(DSL.name("name"), SQLDataType.CLOB.nullable(false), this);

        private Countries(Name alias, Table<Record> aliased) {
            super(alias, null, aliased, null, DSL.comment(""), TableOptions.table(), null);
        }

        @Override
        public Schema getSchema() {
            return aliased() ? null : APP;
        }

        @Override
        public Countries as(String alias) {
            return new Countries(DSL.name(alias), this);
        }
    }

    private Shop() {
    }
}
