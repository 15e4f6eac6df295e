package io.shardcache.query.internal;

import io.shardcache.query.Region;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jooq.ConnectionProvider;
import org.jooq.DSLContext;
import org.jooq.QueryPart;
import org.jspecify.annotations.Nullable;

/**
 * Everything a cached read needs, fixed when {@code fromCache(region)} is called.
 *
 * @param engine           the dogpile engine
 * @param region           the region the reads are tagged with
 * @param keyContext       the key material prefix: codec version, dialect, render mapping, scope, session inputs
 * @param customKey        the caller's key, or null to key by SQL and binds
 * @param connections      the user's connection provider: misses and pass-through statements use it
 * @param singleConnection true when {@code connections} always hands out one connection, which may
 *                         then be in a transaction: its auto-commit flag is checked on every read
 * @param reader           reads a JDBC result set into a jOOQ result with inferred types
 * @param inTransaction    true while the calling thread is in a transaction jOOQ does not manage (a
 *                         framework's): its reads then bypass the cache
 * @param serverMetaData   the server's identity, answered without taking a connection
 * @param probe            when not null, reads are not run: what they would do goes here (keyOf, invalidate, prepare)
 * @param tables           the generation counters of the scope's tables
 * @param declared         tables the caller declared its reads depend on (plain SQL, views), usually none
 * @param replica          true when {@code connections} reach a replica, whose rows may lag
 */
public record ReadContext(DogpileEngine engine, Region region, KeyContext keyContext, @Nullable String customKey,
                          ConnectionProvider connections, boolean singleConnection, DSLContext reader,
                          BooleanSupplier inTransaction, ServerMetaData serverMetaData,
                          @Nullable Consumer<Probe> probe, TableCounters tables, List<TableName> declared, boolean replica) {

    /** A context whose metadata snapshot is shared by every region of one caching DSL. */
    public static ServerMetaData serverMetaData(ConnectionProvider connections) {
        return new ServerMetaData(connections);
    }


    /** This context, with its reads probed instead of run. */
    ReadContext probing(Consumer<Probe> to) {
        return new ReadContext(engine, region, keyContext, customKey, connections, singleConnection, reader, inTransaction,
            serverMetaData, to, tables, declared, replica);
    }

    /** The table counters a read of {@code sql} depends on: none when the region ignores writes. */
    TableCounters.Dependencies tablesOf(String sql, @Nullable QueryPart query) {
        return region.tableGenerations() ? tables.forRead(sql, query, declared) : TableCounters.Dependencies.NONE;
    }

    KeyMaterial naming(KeyMaterial statement) {
        if (customKey == null)
            return statement;
        try {
            return KeyMaterial.ofCustom(keyContext.get(), customKey);
        } catch (java.sql.SQLException e) {
            throw new org.jooq.exception.DataAccessException("shardcache: cannot read the session inputs of the caching DSL's connections", e);
        }
    }
}
