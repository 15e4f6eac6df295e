package io.shardcache.query.internal;

import org.jooq.Binding;
import org.jooq.Configuration;
import org.jooq.QueryPart;

/**
 * Every assumption shardcache makes about jOOQ beyond its public API, in one place. Each is a name
 * jOOQ does not promise to keep; {@code JooqInternalsTest} checks every one against the jOOQ on the
 * class path and says which broke, so a jOOQ upgrade that changes one fails that test, by name, not a
 * cache read somewhere.
 *
 * <ul>
 * <li>jOOQ's own classes live in {@value #IMPL} (its implementation) and under {@value #JOOQ}: a
 *     binding or query part from there is one of jOOQ's, which shardcache knows how it reads or prints;
 *     anything else is the user's, which shardcache cannot reproduce or analyse.</li>
 * <li>A table alias is an instance of {@value #ALIAS}.</li>
 * <li>Plain-SQL statements ({@code dsl.query("…")}, {@code dsl.resultQuery("…")}) are classes
 *     whose names start with {@value #PLAIN_SQL}.</li>
 * <li>jOOQ's {@code DefaultTransactionProvider} keeps a transaction's connection in the
 *     configuration's data under the enum constant named {@value #TRANSACTION_CONNECTION}.</li>
 * </ul>
 * (The sharding module's one such assumption, how a join's ON condition is reached, is in its own
 * {@code JooqInternals}.)
 */
public final class JooqInternals {

    static final String JOOQ = "org.jooq.";
    static final String IMPL = "org.jooq.impl.";
    static final String ALIAS = "org.jooq.impl.Alias";
    static final String PLAIN_SQL = "org.jooq.impl.SQL";
    static final String TRANSACTION_CONNECTION = "DATA_DEFAULT_TRANSACTION_PROVIDER_CONNECTION";

    private JooqInternals() {
    }

    /** Whether {@code binding} is one of jOOQ's own, whose reads and writes shardcache reproduces. */
    public static boolean isJooqBinding(Binding<?, ?> binding) {
        return isJooqImplementation(binding.getClass());
    }

    /** Whether {@code type} is part of jOOQ's implementation (a record type jOOQ builds, a binding). */
    public static boolean isJooqImplementation(Class<?> type) {
        return type.getName().startsWith(IMPL);
    }

    /** Whether {@code part} is jOOQ's own, rather than generated code or the user's. */
    public static boolean isFromJooq(QueryPart part) {
        return part.getClass().getName().startsWith(JOOQ);
    }

    /** Whether {@code part} is jOOQ's table alias, which wraps the table it renames. */
    public static boolean isAlias(QueryPart part) {
        return part.getClass().getName().equals(ALIAS);
    }

    /** Whether {@code part} is a plain-SQL statement. */
    public static boolean isPlainSqlStatement(QueryPart part) {
        return part.getClass().getName().startsWith(PLAIN_SQL);
    }

    /** Whether {@code key}, a key of a configuration's data, is where jOOQ keeps a transaction's connection. */
    public static boolean isTransactionConnectionKey(Object key) {
        return key instanceof Enum<?> e && e.name().equals(TRANSACTION_CONNECTION);
    }

    /**
     * True inside {@code transaction(...)} run by jOOQ's {@code DefaultTransactionProvider}, which
     * keeps the transaction's connection in {@code configuration}'s data.
     */
    public static boolean inJooqTransaction(Configuration configuration) {
        for (Object key : configuration.data().keySet())
            if (isTransactionConnectionKey(key))
                return true;
        return false;
    }

    /**
     * Makes a configuration derived inside {@code dsl.transaction(...)} use its own connection
     * provider again. jOOQ hands every configuration derived from a transaction's the transaction's
     * connection, whatever provider it was given (the data entry its {@code DefaultTransactionProvider}
     * sets); a probe or a mock execution must reach its own provider, and runs nothing on the
     * database, so it forgets that entry. {@code derived} must be a fresh copy: it is changed.
     */
    public static Configuration detachedFromTransaction(Configuration derived) {
        derived.data().keySet().removeIf(JooqInternals::isTransactionConnectionKey);
        return derived;
    }
}
