package io.shardcache.query.internal;

import io.shardcache.query.spi.CacheBackend;
import java.util.Arrays;
import org.jooq.Record;
import org.jooq.Result;
import org.jspecify.annotations.Nullable;

/**
 * Reading entries: an entry is used only after its envelope checksum and the statement's fingerprint
 * were verified (a damaged or foreign entry is a miss, reported once, and is overwritten by the
 * regeneration), and its rows are decoded once per entry. Thread-safe.
 *
 * <p>A remote backend hands out a new array for every read, so "once per entry" needs more than the
 * array's identity: the last entry verified under each storage key is kept with its bytes, and bytes
 * equal to those are that entry again (an entry is a pure function of its bytes), already verified,
 * decoded and converted. A hot key read from Redis then costs a comparison of its bytes, not a
 * checksum, a decode and a record build per read.
 */
final class Entries {

    /** Each region's telemetry, by name. */
    interface Telemetries {
        Telemetry of(String region);
    }

    private final CacheBackend backend;
    private final Telemetries telemetry;
    /**
     * Rows decoded from an entry, by the entry array's identity, so that an entry served many times from
     * the in-process backend or a near cache is decoded once. Decoded rows are only ever read. Correct
     * because a backend never changes an array it handed out ({@link CacheBackend#get}). Only entries
     * of up to {@link #MEMO_MAX_BYTES} are kept, so the memo holds a few megabytes at most.
     */
    private final IdentityMemo<byte[], Result<Record>> decoded = new IdentityMemo<>(256);
    private static final int MEMO_MAX_BYTES = 16 << 10;

    /** An entry verified before, with the bytes it was read from (which its {@link Entry#bytes()} is). */
    private record Seen(byte[] bytes, Entry entry) {
    }

    /**
     * The last entry of up to {@link #MEMO_MAX_BYTES} seen in the slot its storage key picks: direct
     * mapped, so a lookup is an array read and a comparison of bytes; a slot is one immutable pair
     * written in one store, so readers see a whole pair, and a lost update costs one decode.
     */
    private final @Nullable Seen[] seen = new Seen[256];

    Entries(CacheBackend backend, Telemetries telemetry) {
        this.backend = backend;
        this.telemetry = telemetry;
    }

    @Nullable Entry read(Lookup k) {
        return read(k, true);
    }

    /**
     * Reads and verifies the entry; null when absent, corrupt or another query's. The re-read after
     * taking the lock does not {@code report} a rejection again: it is the same entry.
     */
    @Nullable Entry read(Lookup k, boolean report) {
        return verified(k, backend.get(k.region().name(), k.storageKey()), report);
    }

    @Nullable Entry verified(Lookup k, byte @Nullable [] bytes, boolean report) {
        if (bytes == null)
            return null;
        Telemetry t = telemetry.of(k.region().name());
        try {
            Entry e = seenBefore(k.storageKey(), bytes);
            if (!e.fingerprintMatches(k.fingerprint())) {
                if (report)
                    t.rejected(k.key(), "fingerprint belongs to another query");
                return null;
            }
            return e;
        } catch (MalformedEntryException ex) {
            if (report)
                t.rejected(k.key(), ex.getMessage());
            return null;
        }
    }

    /** The entry {@code bytes} hold: the one seen before under {@code storageKey} if they are equal to its bytes. */
    private Entry seenBefore(String storageKey, byte[] bytes) throws MalformedEntryException {
        int h = storageKey.hashCode();
        int i = (h ^ (h >>> 16)) & (seen.length - 1);
        Seen s = seen[i];
        if (s != null && Arrays.equals(s.bytes(), bytes))
            return s.entry();
        Entry e = Entry.decode(bytes);
        if (bytes.length <= MEMO_MAX_BYTES)
            seen[i] = new Seen(bytes, e);
        return e;
    }

    @Nullable Result<Record> decode(Lookup k, Entry e) {
        return decode(k, e, true);
    }

    @Nullable Result<Record> decode(Lookup k, Entry e, boolean report) {
        try {
            Result<Record> rows = decoded.get(e.bytes());
            if (rows == null) {
                rows = e.result();
                if (e.bytes().length <= MEMO_MAX_BYTES)
                    decoded.put(e.bytes(), rows);
            }
            return rows;
        } catch (MalformedEntryException ex) {
            if (report)
                telemetry.of(k.region().name()).rejected(k.key(), ex.getMessage());
            return null;
        }
    }
}
