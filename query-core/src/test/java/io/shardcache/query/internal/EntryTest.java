package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EntryTest {

    private static final byte[] FP = new byte[KeyMaterial.FINGERPRINT_BYTES];
    private static final long[] NO_TABLES = {};

    @Test
    void tableGenerationsRoundTripAndAreCompared() throws Exception {
        byte[] bytes = Entry.encode(1000, 60_000, 120_000, 0, 0, 42L, new long[] {3, 0, Long.MAX_VALUE}, FP, new byte[] {1}, 0);
        Entry e = Entry.decode(bytes);
        assertThat(e.generations()).containsExactly(3, 0, Long.MAX_VALUE);
        assertThat(e.generationsAre(42L, new long[] {3, 0, Long.MAX_VALUE})).isTrue();
        assertThat(e.generationsAre(42L, new long[] {4, 0, Long.MAX_VALUE})).as("a table was written since").isFalse();
        assertThat(e.generationsAre(42L, new long[] {3, 0})).as("another statement's tables").isFalse();
        assertThat(e.generationsAre(43L, new long[] {3, 0, Long.MAX_VALUE})).as("the same values of other counters").isFalse();
        assertThat(e.payload()).containsExactly(1);
        assertThat(Entry.decode(e.markedStale(5000)).generations()).containsExactly(3, 0, Long.MAX_VALUE);
    }

    @Test
    void roundTripKeepsHeaderAndPayload() throws Exception {
        byte[] payload = "hello".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = Entry.encode(1000, 60_000, 120_000, 1234, 7, 0L, NO_TABLES, FP, payload, 16 << 10);
        Entry e = Entry.decode(bytes);
        assertThat(e.createdAt()).isEqualTo(1000);
        assertThat(e.softExpiry()).isEqualTo(61_000);
        assertThat(e.hardExpiry()).isEqualTo(121_000);
        assertThat(e.regenMicros()).isEqualTo(1234);
        assertThat(e.softGeneration()).isEqualTo(7);
        assertThat(e.deflated()).isFalse();
        assertThat(e.payload()).isEqualTo(payload);
    }

    @Test
    void largePayloadsAreDeflatedAndComeBackIntact() throws Exception {
        byte[] payload = "abcdefgh".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        byte[] bytes = Entry.encode(0, 1, 2, 0, 0, 0L, NO_TABLES, FP, payload, 1024);
        assertThat(bytes.length).isLessThan(payload.length / 10);
        Entry e = Entry.decode(bytes);
        assertThat(e.deflated()).isTrue();
        assertThat(e.payload()).isEqualTo(payload);
    }

    @Test
    void incompressiblePayloadsAreStoredAsIs() throws Exception {
        byte[] payload = new byte[4096];
        new Random(1).nextBytes(payload);
        Entry e = Entry.decode(Entry.encode(0, 1, 2, 0, 0, 0L, NO_TABLES, FP, payload, 0));
        assertThat(e.deflated()).isFalse();
        assertThat(e.payload()).isEqualTo(payload);
    }

    @Test
    void everyTruncationAndBitFlipIsRejected() {
        byte[] bytes = Entry.encode(1000, 60_000, 120_000, 1234, 7, 0L, NO_TABLES, FP, "some payload".getBytes(StandardCharsets.UTF_8), 0);
        for (int len = 0; len < bytes.length; len++) {
            byte[] cut = Arrays.copyOf(bytes, len);
            assertThatThrownBy(() -> Entry.decode(cut)).isInstanceOf(MalformedEntryException.class);
        }
        for (int i = 0; i < bytes.length; i++) {
            byte[] flipped = bytes.clone();
            flipped[i] ^= 0x10;
            assertThatThrownBy(() -> Entry.decode(flipped)).as("flip at %d", i).isInstanceOf(MalformedEntryException.class);
        }
    }

    @Test
    void javaSerializedBytesAreNeverAnEntry() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
            oos.writeObject(new HashMap<>(java.util.Map.of("a", 1)));
        }
        assertThatThrownBy(() -> Entry.decode(out.toByteArray()))
            .isInstanceOf(MalformedEntryException.class)
            .hasMessageContaining("bad magic");
    }

    @Test
    void markedStaleKeepsHardExpiryAndPassesItsChecksum() throws Exception {
        byte[] bytes = Entry.encode(1000, 60_000, 120_000, 0, 0, 0L, NO_TABLES, FP, new byte[] {1, 2}, 0);
        Entry stale = Entry.decode(Entry.decode(bytes).markedStale(5000));
        assertThat(stale.softExpiry()).isLessThan(5000);
        assertThat(stale.hardExpiry()).isEqualTo(121_000);
    }

    @Test
    void fingerprintIsChecked() throws SQLException, MalformedEntryException {
        KeyMaterial k = KeyMaterial.ofCustom(KeyMaterial.context(1, ""), "a");
        KeyMaterial other = KeyMaterial.ofCustom(KeyMaterial.context(1, ""), "b");
        Entry e = Entry.decode(Entry.encode(0, 1, 2, 0, 0, 0L, NO_TABLES, k.fingerprint(), new byte[0], 0));
        assertThat(e.fingerprintMatches(k)).isTrue();
        assertThat(e.fingerprintMatches(other)).isFalse();
    }
}
