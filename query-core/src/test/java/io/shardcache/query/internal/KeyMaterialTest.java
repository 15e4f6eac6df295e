package io.shardcache.query.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.sql.Types;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class KeyMaterialTest {

    private static final KeyMaterial.Context CONTEXT = KeyMaterial.context(1, "", "POSTGRES", "null", "true");

    private static KeyMaterial key(String sql, Object... values) throws SQLException {
        Binds b = new Binds();
        for (int i = 0; i < values.length; i++)
            b.set(i + 1, Binds.Kind.OBJECT, values[i]);
        return KeyMaterial.ofStatement(CONTEXT, sql, 0, b);
    }

    @Test
    void aPreparedKeyIsTheStatementKeyOfTheSameBinds() throws SQLException {
        String sql = "select * from t where a = ? and b = ? and c = ? and d = ?";
        Binds.Kind[] kinds = {Binds.Kind.LONG, Binds.Kind.STRING, Binds.Kind.OBJECT, Binds.Kind.BIG_DECIMAL};
        Object[] values = {42L, "x", UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), new BigDecimal("1.50")};
        Binds b = new Binds();
        for (int i = 0; i < values.length; i++)
            b.set(i + 1, kinds[i], values[i]);
        KeyMaterial statement = KeyMaterial.ofStatement(CONTEXT, sql, 7, b);
        KeyMaterial.Prefix prefix = KeyMaterial.prefix(CONTEXT, sql, 7, values.length);
        KeyMaterial prepared = KeyMaterial.ofPrepared(prefix, kinds, values);
        assertThat(prepared.sha1Hex()).isEqualTo(statement.sha1Hex());
        assertThat(prepared.fingerprint()).isEqualTo(statement.fingerprint());
        assertThat(prepared.describe()).isEqualTo(statement.describe());
        // The prefix's digests are prototypes: a second key from it is unaffected by the first.
        values[0] = 43L;
        assertThat(KeyMaterial.ofPrepared(prefix, kinds, values).sha1Hex()).isNotEqualTo(statement.sha1Hex());
        values[0] = 42L;
        assertThat(KeyMaterial.ofPrepared(prefix, kinds, values).sha1Hex()).isEqualTo(statement.sha1Hex());
    }

    @Test
    void sameStatementSameKey() throws SQLException {
        assertThat(key("select ? from t", 1).sha1Hex()).isEqualTo(key("select ? from t", 1).sha1Hex());
        assertThat(key("select ? from t", 1).sha1Hex()).hasSize(40).matches("[0-9a-f]{40}");
    }

    @Test
    void valuesOfDifferentTypesNeverShareAKey() throws SQLException {
        List<Object> values = List.of(1, 1L, (short) 1, "1", new BigDecimal("1"), new BigDecimal("1.0"), 1.0d, 1.0f, true,
            new byte[] {1}, new Integer[] {1}, new Long[] {1L}, UUID.fromString("00000000-0000-0000-0000-000000000001"));
        Set<String> keys = new HashSet<>();
        for (Object v : values)
            keys.add(key("select ?", v).sha1Hex());
        assertThat(keys).hasSize(values.size());
    }

    @Test
    void lengthPrefixesKeepBoundariesApart() throws SQLException {
        assertThat(key("select ?, ?", "ab", "c").sha1Hex()).isNotEqualTo(key("select ?, ?", "a", "bc").sha1Hex());
        assertThat(key("select ?", (Object) null).sha1Hex()).isNotEqualTo(key("select ?", "").sha1Hex());
    }

    @Test
    void setterKindSqlTypeRowLimitAndContextArePartOfTheKey() throws SQLException {
        Binds a = new Binds();
        a.set(1, Binds.Kind.INT, 1);
        Binds b = new Binds();
        b.set(1, Binds.Kind.OBJECT, 1);
        assertThat(KeyMaterial.ofStatement(CONTEXT, "select ?", 0, a).sha1Hex())
            .isNotEqualTo(KeyMaterial.ofStatement(CONTEXT, "select ?", 0, b).sha1Hex());

        Binds n1 = new Binds();
        n1.set(1, Binds.Kind.NULL, null, Types.INTEGER, 0, null);
        Binds n2 = new Binds();
        n2.set(1, Binds.Kind.NULL, null, Types.VARCHAR, 0, null);
        assertThat(KeyMaterial.ofStatement(CONTEXT, "select ?", 0, n1).sha1Hex())
            .isNotEqualTo(KeyMaterial.ofStatement(CONTEXT, "select ?", 0, n2).sha1Hex());

        assertThat(KeyMaterial.ofStatement(CONTEXT, "select 1", 0, new Binds()).sha1Hex())
            .isNotEqualTo(KeyMaterial.ofStatement(CONTEXT, "select 1", 10, new Binds()).sha1Hex());

        KeyMaterial.Context shard7 = KeyMaterial.context(1, "7", "POSTGRES", "null", "true");
        assertThat(KeyMaterial.ofStatement(CONTEXT, "select 1", 0, new Binds()).sha1Hex())
            .isNotEqualTo(KeyMaterial.ofStatement(shard7, "select 1", 0, new Binds()).sha1Hex());
    }

    @Test
    void legacyTemporalBindsKeyByInstantNotByToString() throws SQLException {
        // Time.toString() drops milliseconds, Timestamp.toString() shows local time: the driver sends both exactly.
        Binds t1 = new Binds();
        t1.set(1, Binds.Kind.TIME, new java.sql.Time(36_000_123L));
        Binds t2 = new Binds();
        t2.set(1, Binds.Kind.TIME, new java.sql.Time(36_000_456L));
        assertThat(new java.sql.Time(36_000_123L).toString()).isEqualTo(new java.sql.Time(36_000_456L).toString());
        assertThat(KeyMaterial.ofStatement(CONTEXT, "select ?", 0, t1).sha1Hex())
            .isNotEqualTo(KeyMaterial.ofStatement(CONTEXT, "select ?", 0, t2).sha1Hex());

        java.sql.Timestamp a = new java.sql.Timestamp(1_000L);
        java.sql.Timestamp b = new java.sql.Timestamp(1_000L);
        b.setNanos(1);
        assertThat(key("select ?", a).sha1Hex()).isNotEqualTo(key("select ?", b).sha1Hex());
        assertThat(key("select ?", a).sha1Hex()).isEqualTo(key("select ?", new java.sql.Timestamp(1_000L)).sha1Hex());
    }

    @Test
    void aCalendarZoneAndANullTypeNameNeverLookAlike() throws SQLException {
        Binds withCalendar = new Binds();
        withCalendar.set(1, Binds.Kind.NULL, null, Types.DATE, 0, java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone("UTC")));
        Binds withTypeName = new Binds();
        withTypeName.set(1, Binds.Kind.NULL, null, Types.DATE, 0, "UTC");
        assertThat(KeyMaterial.ofStatement(CONTEXT, "select ?", 0, withCalendar).sha1Hex())
            .isNotEqualTo(KeyMaterial.ofStatement(CONTEXT, "select ?", 0, withTypeName).sha1Hex());
    }

    @Test
    void fingerprintIsIndependentOfTheName() throws SQLException {
        KeyMaterial k = key("select ?", 42);
        assertThat(k.fingerprint()).hasSize(KeyMaterial.FINGERPRINT_BYTES);
        assertThat(java.util.HexFormat.of().formatHex(k.fingerprint())).isNotEqualTo(k.sha1Hex().substring(0, 32));
        KeyMaterial custom = KeyMaterial.ofCustom(CONTEXT, "user:42");
        assertThat(custom.sha1Hex()).isNotEqualTo(k.sha1Hex());
    }

    @Test
    void describeShowsSqlAndTypedBinds() throws SQLException {
        Binds b = new Binds();
        b.set(1, Binds.Kind.INT, 42);
        b.set(2, Binds.Kind.STRING, "x");
        b.set(3, Binds.Kind.NULL, null, Types.INTEGER, 0, null);
        b.set(4, Binds.Kind.OBJECT, UUID.fromString("00000000-0000-0000-0000-000000000001"));
        String text = KeyMaterial.ofStatement(CONTEXT, "select ?, ?, ?, ?", 0, b).describe();
        assertThat(text).contains("context=[POSTGRES, null, true, ]")
            .contains("sql=select ?, ?, ?, ?")
            .contains("INT 42::int")
            .contains("STRING 'x'")
            .contains("NULL(sqlType=4,scale=0) null")
            .contains("00000000-0000-0000-0000-000000000001::UUID");
        assertThat(KeyMaterial.ofCustom(CONTEXT, "user:42").describe()).contains("custom-key='user:42'");
    }

    @Test
    void anUnsetParameterIsAnError() {
        Binds b = new Binds();
        b.set(2, Binds.Kind.INT, 1);
        assertThatThrownBy(() -> KeyMaterial.ofStatement(CONTEXT, "select ?, ?", 0, b))
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("parameter 1 of 2 was never set");
    }
}
