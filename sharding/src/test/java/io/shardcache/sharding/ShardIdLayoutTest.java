package io.shardcache.sharding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class ShardIdLayoutTest {
    private static final Instant EPOCH = Instant.parse("2011-08-24T21:07:01.721Z"); // Instagram's
    private static final ShardIdLayout LAYOUT = ShardIdLayout.withEpoch(EPOCH);

    @Test
    void widthsAreInstagrams() {
        assertThat(ShardIdLayout.TIMESTAMP_BITS).isEqualTo(41);
        assertThat(ShardIdLayout.SHARD_BITS).isEqualTo(13);
        assertThat(ShardIdLayout.SEQUENCE_BITS).isEqualTo(10);
        assertThat(ShardIdLayout.MAX_SHARDS).isEqualTo(8192);
        assertThat(ShardIdLayout.SEQUENCES_PER_MILLISECOND).isEqualTo(1024);
    }

    @Test
    void encodesInstagramsExample() {
        // Instagram's post: 1387263000 ms after their epoch, user 31341 on 2000 shards -> shard 1341,
        // nextval 5001 -> sequence 5001 % 1024 = 905.
        long id = LAYOUT.encode(1_387_263_000L, 1341, 905);
        assertThat(id).isEqualTo((1_387_263_000L << 23) | (1341L << 10) | 905);
        assertThat(LAYOUT.decode(id)).isEqualTo(new ShardId(EPOCH.plusMillis(1_387_263_000L), 1341, 905));
        assertThat(LAYOUT.shardOf(id)).isEqualTo(1341);
    }

    @Test
    void decodeRoundTripsEveryPartAtItsLimits() {
        for (long millis : new long[] {0, 1, 1_000_000_007L, ShardIdLayout.MAX_MILLIS_SINCE_EPOCH}) {
            for (int shard : new int[] {0, 1, 4095, 8191}) {
                for (int sequence : new int[] {0, 1, 512, 1023}) {
                    long id = LAYOUT.encode(millis, shard, sequence);
                    assertThat(LAYOUT.decode(id)).isEqualTo(new ShardId(EPOCH.plusMillis(millis), shard, sequence));
                }
            }
        }
    }

    @Test
    void idsStayPositiveThirtyFourYearsAfterTheEpochAndAtTheLastMillisecond() {
        Instant in34Years = ZonedDateTime.ofInstant(EPOCH, ZoneOffset.UTC).plusYears(34).toInstant();
        long at34 = LAYOUT.encode(in34Years, 8191, 1023);
        assertThat(at34).isPositive();
        assertThat(LAYOUT.decode(at34)).isEqualTo(new ShardId(in34Years, 8191, 1023));

        long atMax = LAYOUT.encode(LAYOUT.maxInstant(), 8191, 1023);
        assertThat(atMax).isPositive().isEqualTo(Long.MAX_VALUE);
        assertThat(LAYOUT.decode(atMax).createdAt()).isEqualTo(LAYOUT.maxInstant());
        System.out.printf("IDs of epoch %s stay positive until %s (%.2f years)%n", EPOCH, LAYOUT.maxInstant(),
                ShardIdLayout.MAX_MILLIS_SINCE_EPOCH / (365.2425 * 24 * 3600 * 1000));
    }

    @Test
    void theFortyFirstBitWouldBeTheSignBitSoItIsRefused() {
        // 2^40 ms after the epoch the ID would need the sign bit: refused instead of turning negative.
        assertThatThrownBy(() -> LAYOUT.encode(ShardIdLayout.MAX_MILLIS_SINCE_EPOCH + 1, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1099511627776");
        assertThatThrownBy(() -> LAYOUT.encode(LAYOUT.maxInstant().plusMillis(1), 0, 0))
                .hasMessageContaining("outside the ID range");
        assertThatThrownBy(() -> LAYOUT.encode(EPOCH.minusMillis(1), 0, 0))
                .hasMessageContaining("outside the ID range");
    }

    @Test
    void decodeRefusesNegativeIds() {
        assertThatThrownBy(() -> LAYOUT.decode(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ID -1 is negative");
        assertThatThrownBy(() -> LAYOUT.shardOf(Long.MIN_VALUE)).hasMessageContaining("negative");
    }

    @Test
    void encodeRefusesPartsThatDoNotFit() {
        assertThatThrownBy(() -> LAYOUT.encode(5, 8192, 0)).hasMessageContaining("shard 8192 is outside 0..8191");
        assertThatThrownBy(() -> LAYOUT.encode(5, -1, 0)).hasMessageContaining("shard -1");
        assertThatThrownBy(() -> LAYOUT.encode(5, 0, 1024)).hasMessageContaining("sequence 1024 is outside 0..1023");
        assertThatThrownBy(() -> LAYOUT.encode(-1, 0, 0)).hasMessageContaining("millisSinceEpoch -1");
    }

    @Test
    void epochMustBeAWholeMillisecondAfter1970() {
        assertThatThrownBy(() -> ShardIdLayout.withEpoch(Instant.parse("2020-01-01T00:00:00.000500Z")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fraction of a millisecond");
        assertThatThrownBy(() -> ShardIdLayout.withEpoch(Instant.parse("1969-12-31T23:59:59Z")))
                .hasMessageContaining("outside");
        assertThat(ShardIdLayout.DEFAULT.epoch()).isEqualTo(ShardIdLayout.DEFAULT_EPOCH);
    }

    @Test
    void timesRoundDownToTheirMillisecond() {
        assertThat(LAYOUT.millisSinceEpoch(EPOCH.plusNanos(1_999_999))).isEqualTo(1);
        assertThat(LAYOUT.millisSinceEpoch(EPOCH)).isZero();
    }

    @Test
    void idsSortByTimeAcrossShards() {
        assertThat(LAYOUT.encode(1001, 0, 0)).isGreaterThan(LAYOUT.encode(1000, 8191, 1023));
        assertThat(LAYOUT.firstIdAt(1001)).isEqualTo(LAYOUT.encode(1001, 0, 0));
    }
}
