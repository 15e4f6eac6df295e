package io.shardcache.query.internal;

import org.jooq.Configuration;

/** Configurations that must not run on a transaction's connection. */
public final class Detached {

    private Detached() {
    }

    /**
     * Makes a configuration derived inside {@code dsl.transaction(...)} use its own connection
     * provider again. jOOQ hands every configuration derived from a transaction's the transaction's
     * connection, whatever provider it was given (a data entry its {@code DefaultTransactionProvider}
     * sets); a probe or a mock execution must reach its own provider, and runs nothing on the
     * database, so it forgets that entry. {@code derived} must be a fresh copy: it is changed.
     */
    public static Configuration fromTransaction(Configuration derived) {
        derived.data().keySet().removeIf(k -> k instanceof Enum<?> e && e.name().equals("DATA_DEFAULT_TRANSACTION_PROVIDER_CONNECTION"));
        return derived;
    }
}
