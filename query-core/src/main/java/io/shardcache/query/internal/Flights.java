package io.shardcache.query.internal;

import io.shardcache.query.ShardcacheException;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.jooq.Record;
import org.jooq.Result;
import org.jspecify.annotations.Nullable;

/**
 * JVM-local single flight: at most one query per statement at a time in this JVM; the first caller
 * leads, the others wait for its rows.
 *
 * <p>Invariant: a key's flight is held from the moment a leader is chosen until its outcome is
 * published ({@link #land} or {@link #fail}), and removed only by its own leader, so no caller can
 * wait on it forever. Rows that may be uncommitted, or were read before a write this JVM made before
 * a waiter arrived, are not handed on: each such waiter runs its own query. Thread-safe.
 */
final class Flights {

    /** A flight's work: the leader's query (and whatever it does around it). */
    interface Work {
        Loaded run() throws Exception;
    }

    /**
     * Completes a flight whose rows may be uncommitted, or were read before a write that may have
     * committed before a waiter asked: each waiter then runs its own query. A sentinel, told apart
     * by identity and never thrown to a caller: made once, without a stack trace, as it is not an error.
     */
    @SuppressWarnings("StaticAssignmentOfThrowable")
    private static final Exception NOT_SHAREABLE = new Exception("rows read inside a transaction are not shared", null, false, false) {
    };

    private final ConcurrentHashMap<String, CompletableFuture<Loaded>> flights = new ConcurrentHashMap<>();
    private final GenerationBumps bumps;

    Flights(GenerationBumps bumps) {
        this.bumps = bumps;
    }

    /**
     * Runs {@code work} as the flight of {@code k}'s statement, or waits for the one running and has
     * its rows. Rows known valid for the generations this caller saw are shared with it. Rows whose
     * generations are unknown (the backend is down: another JVM's write would go unseen) are shared
     * only by callers who arrived before their query started: the others wait for that flight to end
     * and share the next one, which starts after they arrived. So a read never gets rows read before
     * it began, and concurrent callers usually make two queries, not one each: a waiter that comes back
     * only after the next flight has already ended (nothing is stored while the backend is down) runs a
     * flight of its own. A caller that
     * may not share runs {@code own} (its own statement, on its own connection), storing nothing.
     */
    Result<Record> join(Lookup k, Work work, Work own) throws SQLException {
        String fk = k.flightKey();
        long joinedAfter = bumps.localWrites();
        boolean arrivedBefore = false;   // true once a flight we waited for ended: any later one started after we arrived
        while (true) {
            CompletableFuture<Loaded> mine = new CompletableFuture<>();
            CompletableFuture<Loaded> running = flights.putIfAbsent(fk, mine);
            if (running == null) {
                try {
                    Loaded loaded = work.run();
                    land(fk, mine, loaded);
                    return loaded.result();
                } catch (Throwable failure) {
                    fail(fk, mine, failure);
                    throw rethrow(failure);
                }
            }
            Loaded shared = await(k, running);
            if (shared != null && shared.shareableWith(k.generations(), joinedAfter)) {
                if (shared.generations() != null || arrivedBefore)
                    return shared.result();
                arrivedBefore = true;   // read before we arrived, under generations nobody knows: take the next flight
                continue;
            }
            try {
                return own.run().result();
            } catch (Exception failure) {
                throw rethrow(failure);
            }
        }
    }

    /**
     * Registers a flight for {@code flightKey} led by the caller, who must then {@link #land} or
     * {@link #fail} it on every path; null if one is running (the caller does not lead).
     */
    @Nullable CompletableFuture<Loaded> lead(String flightKey) {
        CompletableFuture<Loaded> mine = new CompletableFuture<>();
        return flights.putIfAbsent(flightKey, mine) == null ? mine : null;
    }

    /** Publishes a flight's rows (if they may be shared) and lets the next caller start a new one. */
    void land(String flightKey, CompletableFuture<Loaded> flight, Loaded loaded) {
        flights.remove(flightKey, flight);
        if (loaded.committed())
            flight.complete(loaded);
        else
            flight.completeExceptionally(NOT_SHAREABLE);
    }

    void fail(String flightKey, CompletableFuture<Loaded> flight, Throwable failure) {
        flights.remove(flightKey, flight);
        flight.completeExceptionally(failure);
    }

    /** The leader's rows, or null when they may not be shared; its failure, as it was thrown. */
    private static @Nullable Loaded await(Lookup k, CompletableFuture<Loaded> running) throws SQLException {
        try {
            return running.get();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new ShardcacheException("interrupted while waiting for the regeneration of " + k.key(), ie);
        } catch (ExecutionException ee) {
            Throwable cause = ee.getCause();
            if (cause == NOT_SHAREABLE)
                return null;
            // A SQLException is re-wrapped so that this caller's stack trace is its own; everything
            // else is rethrown as the leader got it, keeping its type (LockTimeoutException, ...).
            if (cause instanceof SQLException sql)
                throw new SQLException(sql.getMessage(), sql.getSQLState(), sql.getErrorCode(), sql);
            throw rethrow(cause);
        }
    }

    /** {@code t} thrown as it is if it is a SQLException or unchecked, else wrapped in one. */
    static SQLException rethrow(@Nullable Throwable t) throws SQLException {
        if (t instanceof SQLException sql)
            throw sql;
        if (t instanceof RuntimeException re)
            throw re;
        if (t instanceof Error err)
            throw err;
        throw new SQLException("shardcache: regeneration failed: " + t, t);
    }
}
