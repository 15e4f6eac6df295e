package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.CachedQuery;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.Db;
import io.shardcache.query.Regions;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.Record1;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a hit costs Redis, counted by Redis itself ({@code INFO commandstats}): one {@code MGET} per hit, through
 * {@code fromCache} and through a prepared read, and no other command.
 */
@ExtendWith(ServicesExtension.class)
class RedisCommandsPerHitIT {

    static final int HITS = 200;

    private RedisService redis;
    private String prefix;
    private Db db;
    private RawRedis raw;
    private RedisCacheBackend backend;
    private CachingDSL cached;

    @BeforeEach
    void setUp(RedisService redis, TestSchema schema, TestInfo test) throws Exception {
        this.redis = redis;
        this.prefix = RedisService.uniquePrefix(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName());
        this.db = new Db(schema, 2);
        this.raw = new RawRedis(redis);
        this.backend = RedisCacheBackend.builder(redis.uri()).keyPrefix(prefix).build();
        this.cached = CachingDSL.wrap(db.dsl, Regions.builder().region("items").build(), backend);
    }

    @AfterEach
    void tearDown() {
        cached.close();
        backend.close();
        db.close();
        raw.deleteAll(prefix);
        raw.close();
    }

    /** Calls of each command so far, from {@code INFO commandstats}. */
    private Map<String, Long> calls() {
        Map<String, Long> out = new HashMap<>();
        for (String line : raw.commands().info("commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_"))
                continue;
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            String stats = line.substring(line.indexOf(':') + 1);
            for (String part : stats.split(","))
                if (part.startsWith("calls="))
                    out.put(name, Long.parseLong(part.substring("calls=".length())));
        }
        return out;
    }

    /**
     * The commands that ran between {@code before} and now, minus the {@code INFO} that asked and the {@code PING}s
     * Redisson sends on its own to keep its connections checked.
     */
    private Map<String, Long> since(Map<String, Long> before) {
        Map<String, Long> delta = new TreeMap<>();
        calls().forEach((name, n) -> {
            long d = n - before.getOrDefault(name, 0L);
            if (name.equals("info"))
                d--;
            if (name.equals("ping"))
                d = 0;
            if (d > 0)
                delta.put(name, d);
        });
        return delta;
    }

    /** The store's fill announcement ({@code PUBLISH}) goes out in the background: let it, before counting. */
    private static void settle() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aHitThroughFromCacheIsOneMget() {
        String name = cached.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(7)).fetchOne(NAME);   // stored
        assertThat(name).isEqualTo("item 7");
        settle();
        Map<String, Long> before = calls();
        for (int i = 0; i < HITS; i++)
            assertThat(cached.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(7)).fetchOne(NAME)).isEqualTo("item 7");
        Map<String, Long> commands = since(before);

        System.out.println(HITS + " hits through fromCache: " + commands);
        assertThat(cached.stats("items").hits()).isEqualTo(HITS);
        assertThat(commands).isEqualTo(Map.of("mget", (long) HITS));
    }

    @Test
    void aPreparedHitIsOneMget() {
        CachedQuery<Record1<String>> byId = cached.prepare("items",
            db.dsl.select(NAME).from(ITEMS).where(ID.eq(DSL.param("id", Integer.class))));
        assertThat(byId.fetchOne(7).value1()).isEqualTo("item 7");
        settle();
        Map<String, Long> before = calls();
        for (int i = 0; i < HITS; i++)
            assertThat(byId.fetchOne(7).value1()).isEqualTo("item 7");
        Map<String, Long> commands = since(before);

        System.out.println(HITS + " prepared hits: " + commands);
        assertThat(commands).isEqualTo(Map.of("mget", (long) HITS));
    }
}
