package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.InProcessCacheBackend;
import io.shardcache.query.Region;
import io.shardcache.query.Regions;
import io.shardcache.query.spi.CacheListener;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * A remote backend hands out a new array per read: {@link Entries} must recognise the same bytes as the
 * entry it verified and decoded before, and must never take different bytes for it.
 */
class EntriesTest {

    private static final DSLContext CTX = DSL.using(SQLDialect.POSTGRES);
    private static final KeyMaterial.Context CONTEXT = KeyMaterial.context(1, "", "POSTGRES", "null", "true");
    private static final Region REGION = Regions.builder().region("r", r -> { }).build().get("r");

    private final Telemetry telemetry = new Telemetry(CacheListener.NONE);
    private final Entries entries = new Entries(InProcessCacheBackend.create(), region -> telemetry);

    @Test
    void equalBytesInANewArrayAreTheEntryAlreadyVerifiedAndDecoded() throws Exception {
        Lookup k = lookup("user:1");
        byte[] stored = entry(k, "[1]", 0);
        Entry first = entries.verified(k, stored.clone(), true);
        Result<Record> rows = entries.decode(k, first);
        for (int i = 0; i < 3; i++) {
            Entry again = entries.verified(k, stored.clone(), true);
            assertThat(again).as("read %d, a new array of the same bytes", i).isSameAs(first);
            assertThat(entries.decode(k, again)).isSameAs(rows);
        }
    }

    @Test
    void aDamagedCopyOfAnEntrySeenBeforeIsStillRejected() throws Exception {
        Lookup k = lookup("user:1");
        byte[] stored = entry(k, "[1]", 0);
        assertThat(entries.verified(k, stored.clone(), true)).isNotNull();
        for (int i = 0; i < stored.length; i++) {
            byte[] damaged = stored.clone();
            damaged[i] ^= 0x04;
            assertThat(entries.verified(k, damaged, true)).as("a flip at byte %d", i).isNull();
            assertThat(entries.verified(k, stored.clone(), true)).as("the intact entry after the flip at %d", i).isNotNull();
        }
        assertThat(telemetry.snapshot().rejectedEntries()).isEqualTo(stored.length);
    }

    @Test
    void anotherQuerysEntryWithTheSameBytesIsRejectedByItsFingerprint() throws Exception {
        Lookup mine = lookup("user:1");
        Lookup other = lookup("user:2");
        byte[] stored = entry(mine, "[1]", 0);
        assertThat(entries.verified(mine, stored.clone(), true)).isNotNull();
        assertThat(entries.verified(other, stored.clone(), true)).isNull();
    }

    /** Generated reads of keys whose entries change: what the memo answers always equals a fresh decode. */
    @Test
    void generatedReadsAlwaysAnswerWhatTheBytesHold() throws Exception {
        SplittableRandom random = new SplittableRandom(20);
        List<Lookup> keys = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        for (int i = 0; i < 600; i++) {   // more keys than slots, so slots are shared and overwritten
            Lookup k = lookup("user:" + i);
            keys.add(k);
            current.add(entry(k, "[" + i + "]", 0));
        }
        for (int step = 0; step < 50_000; step++) {
            int i = random.nextInt(keys.size() / (random.nextInt(10) == 0 ? 1 : 30));   // a few hot keys, a long tail
            Lookup k = keys.get(i);
            if (random.nextInt(20) == 0)
                current.set(i, entry(k, "[" + i + "," + step + "]", step));
            byte[] read = current.get(i).clone();
            Entry expected = Entry.decode(read.clone());
            Entry got = entries.verified(k, read, true);
            assertThat(got).as("step %d", step).isNotNull();
            assertThat(got.bytes()).isEqualTo(expected.bytes());
            assertThat(got.createdAt()).isEqualTo(expected.createdAt());
            assertThat(entries.decode(k, got).formatCSV()).isEqualTo(expected.result().formatCSV());
        }
    }

    private static Lookup lookup(String customKey) {
        KeyMaterial m = KeyMaterial.ofCustom(CONTEXT, customKey);
        EngineKey key = new EngineKey("r", "", m.sha1Hex(), m.fingerprintUnsafe(), m::describe);
        return new Lookup(REGION, key, "r:1:" + m.sha1Hex(), m, 0, false, false, null, TableCounters.Dependencies.NONE,
            new long[0], Lookup.NOT_NEAR);
    }

    /** An entry of one row whose one text cell is {@code cell}. */
    private static byte[] entry(Lookup k, String cell, long createdAt) throws Exception {
        Field<?>[] fields = {new ColumnField(new ColumnMeta(25, "text", "v", "v", "t", "public", "", Types.VARCHAR, "text",
            Integer.MAX_VALUE, 0, 1, true, false, true, false, Integer.MAX_VALUE, "java.lang.String", true, false, false, false))};
        Result<Record> rows = CTX.newResult(fields);
        Record r = CTX.newRecord(fields);
        r.set(ColumnField.text(fields[0]), cell);
        r.changed(false);
        rows.add(r);
        return Entry.encode(createdAt, 60_000, 120_000, 0, 0, 0L, new long[0], k.fingerprint().fingerprintUnsafe(),
            ResultCodec.encode(rows), 0);
    }
}
