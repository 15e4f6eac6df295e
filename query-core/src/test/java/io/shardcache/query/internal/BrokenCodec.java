package io.shardcache.query.internal;

import io.shardcache.query.spi.CacheBackend;
import io.shardcache.query.spi.ForwardingCacheBackend;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;

/**
 * A backend that stores every entry with its cells changed by a function, as a codec with a bug would:
 * the entry stays well formed (checksum, fingerprint, generations), so only a comparison with the
 * live answer can tell. For tests that must show the fidelity suite fails when values are not kept.
 */
public final class BrokenCodec extends ForwardingCacheBackend {

    private final UnaryOperator<String> cell;

    public BrokenCodec(CacheBackend delegate, UnaryOperator<String> cell) {
        super(delegate);
        this.cell = cell;
    }

    @Override
    public boolean putIfGenerations(String region, String key, byte[] entry, Duration timeToLive, List<String> counters,
                                    long[] generations) {
        return super.putIfGenerations(region, key, broken(entry), timeToLive, counters, generations);
    }

    @Override
    public void put(String region, String key, byte[] entry, Duration timeToLive) {
        super.put(region, key, broken(entry), timeToLive);
    }

    @SuppressWarnings("unchecked")
    private byte[] broken(byte[] entry) {
        try {
            Entry e = Entry.decode(entry);
            Result<Record> rows = ResultCodec.decode(e.payload());
            for (Record r : rows)
                for (Field<?> f : rows.fields())
                    if (r.get(f) instanceof String s)
                        r.set((Field<Object>) f, cell.apply(s));
            byte[] fingerprint = Arrays.copyOfRange(entry, 44, 44 + KeyMaterial.FINGERPRINT_BYTES);
            return Entry.encode(e.createdAt(), e.softTtlMillis(), e.hardTtlMillis(), e.regenMicros(), e.softGeneration(),
                e.tablesHash(), e.generations(), fingerprint, ResultCodec.encode(rows), Integer.MAX_VALUE);
        } catch (Exception ex) {
            throw new IllegalStateException("cannot rewrite an entry", ex);
        }
    }
}
