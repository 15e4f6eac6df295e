package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;
import org.jooq.Record2;
import org.jooq.Result;
import org.jooq.ResultQuery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Whatever bytes sit under an entry's Redis key, a read never fails and never returns anything but
 * the database's rows: an entry that is not a well-formed shardcache envelope for this very query
 * is a miss, counted as a rejected entry, and the regeneration overwrites it with a good one.
 *
 * <p>Each case fills the entry through the cache, overwrites it behind the backend's back, and reads
 * twice. The storage key is {@code <keyPrefix><region>:<generation>:<key hash>} (generation 0: the
 * region is never invalidated here), the hash from {@link CachingDSL#keyOf}.
 */
@ExtendWith(ServicesExtension.class)
class CorruptEntriesIT {

    /** Incremented by {@link Tripwire#readObject}: any Java deserialization of entry bytes shows here. */
    static final AtomicInteger DESERIALIZED = new AtomicInteger();

    /**
     * A class whose deserialization leaves a trace, as a gadget's would do harm. Its
     * {@code readObject} is deliberate: it is how this test sees whether anything Java-deserialized
     * the bytes planted in Redis (nothing in shardcache may).
     */
    static final class Tripwire implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        final String payload = "item 7";

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            DESERIALIZED.incrementAndGet();
            in.defaultReadObject();
        }
    }

    /** What replaces the good entry; {@code real} is the entry the cache stored, {@code foreign} another query's. */
    enum Damage {
        RANDOM_GARBAGE {
            @Override
            byte[] apply(byte[] real, byte[] foreign) {
                byte[] b = new byte[real.length];
                new Random(42).nextBytes(b);
                return b;
            }
        },
        GARBAGE_BEHIND_THE_MAGIC {
            @Override
            byte[] apply(byte[] real, byte[] foreign) {
                byte[] b = RANDOM_GARBAGE.apply(real, foreign);
                System.arraycopy(real, 0, b, 0, 4);   // "SC", version, flags: only lengths and checksum can tell
                return b;
            }
        },
        TRUNCATED_TO_HALF {
            @Override
            byte[] apply(byte[] real, byte[] foreign) {
                return Arrays.copyOf(real, real.length / 2);
            }
        },
        TRUNCATED_BY_ONE_BYTE {
            @Override
            byte[] apply(byte[] real, byte[] foreign) {
                return Arrays.copyOf(real, real.length - 1);
            }
        },
        ONE_BIT_FLIPPED_IN_THE_ROWS {
            @Override
            byte[] apply(byte[] real, byte[] foreign) {
                byte[] b = real.clone();
                b[header(b) + (b.length - header(b) - 4) / 2] ^= 0x10;
                return b;
            }
        },
        ANOTHER_QUERYS_VALID_ENTRY {
            @Override
            byte[] apply(byte[] real, byte[] foreign) {
                return foreign;
            }
        },
        JAVA_SERIALIZED_ARRAY_LIST {
            @Override
            byte[] apply(byte[] real, byte[] foreign) {
                return serialize(new ArrayList<>(List.of("item 7", 1)));
            }
        },
        JAVA_SERIALIZED_TRIPWIRE {
            @Override
            byte[] apply(byte[] real, byte[] foreign) {
                return serialize(new Tripwire());
            }
        },
        /** A sound envelope (magic, version, this query's fingerprint, length, checksum) around Java-serialized rows. */
        SEALED_ENVELOPE_AROUND_JAVA_SERIALIZED_ROWS {
            @Override
            byte[] apply(byte[] real, byte[] foreign) {
                byte[] payload = serialize(new Tripwire());
                int header = header(real);
                byte[] b = new byte[header + payload.length + 4];
                System.arraycopy(real, 0, b, 0, header);
                b[3] = 0;   // not deflated
                ByteBuffer.wrap(b).putInt(header - 4, payload.length);
                System.arraycopy(payload, 0, b, header, payload.length);
                CRC32C crc = new CRC32C();
                crc.update(b, 0, b.length - 4);
                ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
                return b;
            }
        };

        /**
         * The envelope's header length, whose last 4 bytes hold the payload length (query-core's
         * {@code Entry}): 70 fixed bytes, whose last two count the table generations, 8 bytes each.
         */
        private static int header(byte[] entry) {
            return 70 + 8 * Short.toUnsignedInt(ByteBuffer.wrap(entry).getShort(68)) + 4;
        }

        abstract byte[] apply(byte[] real, byte[] foreign);

        private static byte[] serialize(Object o) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(o);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return bytes.toByteArray();
        }
    }

    private final Regions regions = Regions.builder().region("items").build();
    private RedisService redis;
    private String prefix;
    private Db db;
    private RedisCacheBackend backend;
    private CachingDSL cached;
    private RedisClient rawClient;
    private StatefulRedisConnection<String, byte[]> rawConnection;

    @BeforeEach
    void setUp(RedisService redis, TestSchema schema, TestInfo test) throws Exception {
        this.redis = redis;
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.db = new Db(schema, 4);
        this.backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
        this.cached = CachingDSL.wrap(db.dsl, regions, backend);
        this.rawClient = RedisClient.create(redis.uri());
        this.rawConnection = rawClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        DESERIALIZED.set(0);
    }

    @AfterEach
    void tearDown() {
        cached.close();
        backend.close();
        rawConnection.close();
        rawClient.shutdown();
        db.close();
        try (RawRedis raw = new RawRedis(redis)) {
            raw.deleteAll(prefix);
        }
    }

    private ResultQuery<Record2<String, Integer>> query(int id, String counter) {
        return db.dsl.select(NAME, Db.touch(counter)).from(ITEMS).where(ID.eq(id));
    }

    private Result<Record2<String, Integer>> read(int id, String counter) {
        return cached.fromCache("items").fetch(query(id, counter));
    }

    private String storageKey(int id, String counter) {
        return prefix + "items:" + backend.generation("region:items") + ":" + cached.keyOf("items", query(id, counter)).hash();
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedOrForeignEntryIsAMissThatTheRegenerationOverwrites(Damage damage) throws Exception {
        damageAndRead(damage);
    }

    /**
     * The tripwire works: deserializing its bytes is seen, so the zero above means something. The
     * only {@code ObjectInputStream} in shardcache's own code, on bytes this test made itself, never on
     * anything read from a cache. (The benchmarks' comparison reads Spring's cache through Spring's
     * JDK serializer, as a Boot application's would: that is the comparison, not shardcache.)
     */
    @Test
    void theTripwireFiresWhenItIsDeserialized() throws Exception {
        byte[] bytes = Damage.JAVA_SERIALIZED_TRIPWIRE.apply(new byte[0], new byte[0]);
        try (ObjectInputStream in = new ObjectInputStream(new java.io.ByteArrayInputStream(bytes))) {
            assertThat(in.readObject()).isInstanceOf(Tripwire.class);
        }
        assertThat(DESERIALIZED.get()).isEqualTo(1);
    }

    /**
     * Fills the entry, replaces it by {@code damage}'s bytes, reads twice: a miss that stores a good
     * entry, then a hit. The damaged entry counts as one rejected entry, even when the re-read after
     * taking the lock finds it again (a payload that fails to decode inside a sound envelope).
     */
    private void damageAndRead(Damage damage) throws Exception {
        RedisCommands<String, byte[]> raw = rawConnection.sync();
        String key = storageKey(7, "seven");
        assertThat(read(7, "seven").getValues(NAME)).containsExactly("item 7");
        assertThat(read(8, "eight").getValues(NAME)).containsExactly("item 8");
        byte[] real = raw.get(key);
        byte[] foreign = raw.get(storageKey(8, "eight"));
        assertThat(real).as("the entry the cache stored under %s", key).isNotNull();
        assertThat(foreign).isNotNull();
        assertThat(db.executions("seven")).isEqualTo(1);

        byte[] bad = damage.apply(real, foreign);
        assertThat(raw.set(key, bad, SetArgs.Builder.px(60_000))).isEqualTo("OK");
        RegionStats before = cached.stats("items");

        Result<Record2<String, Integer>> rows = read(7, "seven");   // any exception fails the test here

        RegionStats after = cached.stats("items");
        assertThat(rows.getValues(NAME)).containsExactly("item 7");
        assertThat(rows.get(0).value2()).as("the touch column").isEqualTo(1);
        assertThat(db.executions("seven")).as("the damaged entry was a miss: the query ran again").isEqualTo(2);
        assertThat(after.misses() - before.misses()).as("misses").isEqualTo(1);
        assertThat(after.hits() - before.hits()).as("hits").isZero();
        assertThat(after.rejectedEntries() - before.rejectedEntries()).as("rejected entries").isEqualTo(1);
        assertThat(after.stored() - before.stored()).as("stored").isEqualTo(1);
        byte[] now = raw.get(key);
        assertThat(now).as("overwritten").isNotEqualTo(bad);
        assertThat(now.length).as("a good entry of the same rows is as long as the first").isEqualTo(real.length);

        assertThat(read(7, "seven").getValues(NAME)).containsExactly("item 7");
        assertThat(cached.stats("items").hits() - after.hits()).as("the next read is a hit").isEqualTo(1);
        assertThat(db.executions("seven")).isEqualTo(2);
        assertThat(DESERIALIZED.get()).as("Java deserializations of entry bytes").isZero();
    }
}
