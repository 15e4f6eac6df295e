package io.shardcache.query.internal;

import java.util.Arrays;
import org.jooq.Record;
import org.jooq.Result;
import org.jspecify.annotations.Nullable;

/**
 * A freshly loaded result.
 *
 * @param committed    false when the connection was inside a transaction: the rows may be uncommitted
 * @param stored       true when they were stored
 * @param generations  the table generations the rows are known to be valid for (read before the
 *                     query ran), or null when unknown
 * @param writesBefore this JVM's write count before they were read ({@link GenerationBumps#localWrites}); -1
 *                     when unknown, which shares them with nobody
 * @param fromReplica  read on a replica, which may not have replayed a write whose bump the
 *                     generations read before already include: never stored under them
 */
public record Loaded(Result<Record> result, boolean committed, boolean stored, long @Nullable [] generations, long writesBefore,
                     boolean fromReplica) {
    public Loaded(Result<Record> result, boolean committed) {
        this(result, committed, false, null, -1, false);
    }

    Loaded asStored() {
        return new Loaded(result, committed, true, generations, writesBefore, fromReplica);
    }

    /** These rows, known valid for {@code generations} and read after {@code writesBefore} local writes. */
    Loaded at(long @Nullable [] generations, long writesBefore) {
        return new Loaded(result, committed, stored, generations, writesBefore, fromReplica);
    }

    /** These rows, read on a replica when {@code replica}: they may lag the generations read before. */
    Loaded onReplica(boolean replica) {
        return new Loaded(result, committed, stored, generations, writesBefore, replica);
    }

    /**
     * Whether a caller who joined the flight after {@code joinedAfter} local writes, and whose
     * lookup saw {@code seen}, may have these rows: only if no write it could know of (one of
     * this JVM's that returned before it joined, or any that moved the generations it read)
     * may have committed after they were read.
     */
    boolean shareableWith(long[] seen, long joinedAfter) {
        return committed && joinedAfter <= writesBefore && (generations == null || Arrays.equals(generations, seen));
    }
}
