package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.sql.Types;
import java.util.HexFormat;
import java.util.Random;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;

/**
 * The result codec: cached rows (text cells, the driver's column metadata) round-trip exactly, the
 * format is pinned, and no input of any kind makes the decoder do anything but decode or report
 * {@link MalformedEntryException} with where it went wrong. What the cells mean is tested against
 * the live database by {@code FidelityIT}.
 */
class ResultCodecTest {

    private static final DSLContext CTX = DSL.using(SQLDialect.POSTGRES);

    private static ColumnMeta meta(String label, int oid, String type, int sqlType, int precision, int scale) {
        return new ColumnMeta(oid, type, label, label + "_name", "t", "s", "", sqlType, type, precision, scale,
            label.length() % 3, label.length() % 2 == 0, false, true, false, precision + 1, "java.lang.String", true, false,
            label.length() % 2 != 0, false);
    }

    /** Cached rows of {@code columns}; each row gives one cell per column (null for NULL). */
    private static Result<Record> rows(ColumnMeta[] columns, String[]... rows) {
        Field<?>[] fields = new Field<?>[columns.length];
        for (int i = 0; i < columns.length; i++)
            fields[i] = new ColumnField(columns[i]);
        Result<Record> result = CTX.newResult(fields);
        for (String[] row : rows) {
            Record r = CTX.newRecord(fields);
            for (int i = 0; i < row.length; i++)
                r.set(ColumnField.text(fields[i]), row[i]);
            r.changed(false);
            result.add(r);
        }
        return result;
    }

    private static Result<Record> sample() {
        ColumnMeta[] columns = new ColumnMeta[9];   // two bytes of null bitmap
        for (int i = 0; i < columns.length; i++)
            columns[i] = meta("c" + i, 23 + i, "type" + i, Types.OTHER - i, i * 3, -i);
        columns[8] = meta("oid", -1, "a \"quoted\" type", Types.VARCHAR, 0, 0);   // OID 4294967295
        return rows(columns,
            new String[] {"1", "", "héllo ☃ wörld", "emoji 😀", null, "-0.0", "2024-02-29 23:59:59.999999+05:30", "\\x00ff", "t"},
            new String[] {null, null, null, null, null, null, null, null, null},
            new String[] {"NaN", "{1,NULL}", "(1,\"x y\")", "[1,5)", "infinity", "24:00:00", "P1Y", "", "x".repeat(300)});
    }

    // ---- round trips ------------------------------------------------------------------------------

    @Test
    void cellsAndMetadataRoundTripExactly() throws Exception {
        Result<Record> original = sample();
        assertSameRows(original, ResultCodec.decode(ResultCodec.encode(original)));
    }

    @Test
    void emptyResultsKeepTheirColumns() throws Exception {
        Result<Record> original = rows(new ColumnMeta[] {meta("a", 25, "text", Types.VARCHAR, 0, 0)});
        Result<Record> decoded = ResultCodec.decode(ResultCodec.encode(original));
        assertSameRows(original, decoded);
        assertThat(decoded).isEmpty();
    }

    @Test
    void rowsWithoutColumnsRoundTrip() throws Exception {
        Result<Record> original = rows(new ColumnMeta[0], new String[0], new String[0], new String[0]);
        assertThat(ResultCodec.decode(ResultCodec.encode(original))).hasSize(3);
    }

    @Test
    void aWideResultRoundTrips() throws Exception {
        ColumnMeta[] columns = new ColumnMeta[300];
        String[] row = new String[300];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = meta("c" + i, 25, "text", Types.VARCHAR, 0, 0);
            row[i] = i % 7 == 0 ? null : "v" + i;
        }
        Result<Record> original = rows(columns, row, row);
        assertSameRows(original, ResultCodec.decode(ResultCodec.encode(original)));
    }

    @Test
    void aShapeDecodesToSharedColumnsAndIndependentRecords() throws Exception {
        byte[] bytes = ResultCodec.encode(sample());
        Result<Record> a = ResultCodec.decode(bytes), b = ResultCodec.decode(bytes);
        assertThat(a.fields()[2]).as("the header is decoded once per shape").isSameAs(b.fields()[2]);
        a.get(0).set(ColumnField.text(a.fields()[0]), "changed");
        assertThat(b.get(0).get(0)).isEqualTo("1");
        for (Record r : b)
            assertThat(r.changed()).isFalse();
    }

    @Test
    void theFormatIsPinned() throws Exception {
        // If this fails, the bytes changed: bump ResultCodec.VERSION (it is part of every cache key).
        ColumnMeta id = new ColumnMeta(23, "int4", "id", "id", "t", "", "", Types.INTEGER, "int4", 10, 0, 0, true, false,
            false, false, 11, "java.lang.Integer", true, false, false, false);
        assertThat(HexFormat.of().formatHex(ResultCodec.encode(rows(new ColumnMeta[] {id}, new String[] {"7"}, new String[] {null}))))
            .isEqualTo("03" + "2e" + "01"                                  // version, header length 46, 1 column
                + "17" + "04696e7434" + "026964" + "026964"                // oid 23, pgType "int4", label and name "id"
                + "0174" + "00" + "00"                                     // table "t", no schema, no catalog
                + "08" + "04696e7434" + "14" + "00" + "00" + "16"          // zz(INTEGER), "int4", zz(10), zz(0), zz(0), zz(11)
                + "116a6176612e6c616e672e496e7465676572" + "11"            // class name, flags: signed, searchable
                + "02"                                                     // 2 rows
                + "00" + "0137"                                            // no nulls, "7"
                + "01");                                                   // column 0 null
    }

    // ---- what is not encoded -----------------------------------------------------------------------

    @Test
    void aTextWithAnUnpairedSurrogateIsUnsupportedAndNamesItsColumn() {
        Result<Record> r = rows(new ColumnMeta[] {meta("broken", 25, "text", Types.VARCHAR, 0, 0)}, new String[] {"a\uD800b"});
        assertThatThrownBy(() -> ResultCodec.encode(r)).isInstanceOf(UnsupportedValueException.class)
            .hasMessageContaining("broken").hasMessageContaining("unpaired surrogate");
    }

    @Test
    void onlyCachedRowsAreEncoded() {
        Result<Record> plain = CTX.newResult(new Field<?>[] {DSL.field(DSL.name("x"), SQLDataType.VARCHAR)});
        assertThatThrownBy(() -> ResultCodec.encode(plain)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("not a ColumnField");
        Result<Record> typed = rows(new ColumnMeta[] {meta("n", 23, "int4", Types.INTEGER, 10, 0)});
        Record r = CTX.newRecord(typed.fields());
        r.set(ColumnField.text(typed.field(0)), 42);
        typed.add(r);
        assertThatThrownBy(() -> ResultCodec.encode(typed)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("java.lang.Integer, not text");
    }

    // ---- malformed input ---------------------------------------------------------------------------

    @Test
    void everyTruncationIsMalformed() throws Exception {
        byte[] bytes = ResultCodec.encode(sample());
        for (int len = 0; len < bytes.length; len++) {
            int n = len;
            assertThatThrownBy(() -> ResultCodec.decode(bytes, 0, n)).as("truncated to %d of %d", n, bytes.length)
                .isInstanceOf(MalformedEntryException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotStartWith("unexpected"));
        }
    }

    @Test
    void flippedBitsAreMalformedOrDecodeNeverAnotherException() throws Exception {
        byte[] bytes = ResultCodec.encode(sample());
        Random random = new Random(20240229);
        int malformed = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] copy = bytes.clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--)
                copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
            malformed += decodesOrIsMalformed(copy, "flip " + i);
        }
        assertThat(malformed).isGreaterThan(1_000);
    }

    @Test
    void garbageIsMalformed() {
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            if (garbage.length > 0 && random.nextBoolean())
                garbage[0] = ResultCodec.VERSION;
            decodesOrIsMalformed(garbage, "garbage " + i);
        }
    }

    @Test
    void absurdCountsAndLengthsAreMalformedWithTheirOffset() {
        assertMalformed("04", "codec version 4", 0);
        assertMalformed("03ffffffff0f", "header length", 1);                       // -1 as a varint
        assertMalformed("0305ffffffff07", "column count", 2);
        assertMalformed("0301" + "00" + "7f", "row count", 3);                       // 127 rows of no bytes
        assertMalformed("03ffffffffff01", "varint", 1);
        assertMalformed("030100" + "00" + "00", "after the last row", 4);
        // A column whose type name length runs past the end of the header.
        assertMalformed("03" + "04" + "01" + "17" + "10" + "61", "string length", 4);
        // An OID above 32 bits.
        assertMalformed("03" + "07" + "01" + "8080808010" + "00", "type oid", 3);
    }

    @Test
    void decodeReadsASliceAndReportsOffsetsWithinIt() throws Exception {
        byte[] bytes = ResultCodec.encode(sample());
        byte[] padded = new byte[bytes.length + 20];
        System.arraycopy(bytes, 0, padded, 7, bytes.length);
        assertSameRows(sample(), ResultCodec.decode(padded, 7, bytes.length));
        padded[7] = 9;
        assertThatThrownBy(() -> ResultCodec.decode(padded, 7, bytes.length))
            .isInstanceOfSatisfying(MalformedEntryException.class, e -> assertThat(e.offset()).isZero());
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static void assertSameRows(Result<Record> expected, Result<Record> actual) {
        assertThat(actual.fields()).hasSameSizeAs(expected.fields());
        for (int i = 0; i < expected.fields().length; i++) {
            assertThat(actual.field(i)).isInstanceOf(ColumnField.class);
            assertThat(((ColumnField) actual.field(i)).meta).as("column %d", i).isEqualTo(((ColumnField) expected.field(i)).meta);
        }
        assertThat(actual).hasSameSizeAs(expected);
        for (int row = 0; row < expected.size(); row++) {
            assertThat(actual.get(row).intoArray()).as("row %d", row).containsExactly(expected.get(row).intoArray());
            assertThat(actual.get(row).changed()).isFalse();
        }
    }

    /** 1 when malformed, 0 when it decoded; fails on any other outcome. */
    private static int decodesOrIsMalformed(byte[] bytes, String what) {
        try {
            ResultCodec.decode(bytes);
            return 0;
        } catch (MalformedEntryException e) {
            assertThat(e.getMessage()).as(what).doesNotStartWith("unexpected");
            return 1;
        } catch (Throwable t) {
            fail(what + ": " + HexFormat.of().formatHex(bytes) + " threw " + t, t);
            return -1;
        }
    }

    private static void assertMalformed(String hex, String problem, int offset) {
        assertThatThrownBy(() -> ResultCodec.decode(HexFormat.of().parseHex(hex))).as(hex)
            .isInstanceOfSatisfying(MalformedEntryException.class, e -> {
                assertThat(e.getMessage()).contains(problem);
                assertThat(e.offset()).isEqualTo(offset);
            });
    }
}
