package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;

import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.RegionStats;
import io.shardcache.query.Regions;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * One JVM of {@link RedisChaosSoak}: a few threads of mixed reads (a plain region and a near-cache
 * one) and writes on twenty rows, through a Redis-backed {@code CachingDSL}, until told to stop.
 * Every write records the version it wrote and when its commit returned; every read what it saw
 * and when it began, in a file the parent reads afterwards ({@code W id version endMicros},
 * {@code R region id version startMicros}). Exceptions that reach a caller are counted by type.
 */
public final class SoakChild {

    private SoakChild() {
    }

    public static void main(String[] argv) throws Exception {
        ChildSide side = ChildSide.start(argv);
        String name = side.arg("name");
        Path log = Path.of(side.arg("log"));
        int threads = Integer.parseInt(side.arg("threads"));
        int rows = Integer.parseInt(side.arg("rows"));
        Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
        try (HikariDataSource pool = side.pool(threads + 2, "soak-" + name);
             RedisCacheBackend backend = RedisCacheBackend.builder(side.redisUri()).keyPrefix(side.prefix()).build();
             CachingDSL cached = CachingDSL.wrap(DSL.using(pool, SQLDialect.POSTGRES), Regions.builder()
                 .region("items")
                 .region("near", r -> r.nearCache(1_000, Duration.ofSeconds(30)))
                 .build(), backend);
             BufferedWriter out = Files.newBufferedWriter(log)) {
            List<Thread> workers = new ArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            for (int t = 0; t < threads; t++)
                workers.add(Thread.ofPlatform().name(name + "-" + t).start(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    StringBuilder line = new StringBuilder();
                    while (!stop.get()) {
                        int id = 1 + random.nextInt(rows);
                        line.setLength(0);
                        try {
                            if (random.nextInt(10) == 0) {
                                String written = cached.dsl().update(ITEMS)
                                    .set(NAME, DSL.concat(DSL.inline("v"), DSL.field("nextval('soak_version')", String.class)))
                                    .where(ID.eq(id)).returning(NAME).fetchOne(NAME);
                                line.append("W ").append(id).append(' ').append(version(written)).append(' ').append(micros());
                            } else {
                                String region = random.nextBoolean() ? "items" : "near";
                                long start = micros();
                                String seen = cached.fromCache(region).select(NAME).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
                                line.append("R ").append(region).append(' ').append(id).append(' ').append(version(seen)).append(' ').append(start);
                            }
                        } catch (RuntimeException e) {
                            errors.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
                            continue;
                        }
                        synchronized (out) {
                            try {
                                out.write(line.toString());
                                out.newLine();
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    }
                }));
            ChildSide.say("READY");
            side.awaitCommand("STOP", Duration.ofHours(2));
            stop.set(true);
            for (Thread w : workers)
                w.join();
            RegionStats items = cached.stats("items");
            RegionStats near = cached.stats("near");
            ChildSide.say("STATS " + name + " misses=" + (items.misses() + near.misses())
                + " regenerations=" + (items.regenerations() + near.regenerations())
                + " hits=" + (items.hits() + near.hits()) + " nearHits=" + near.nearHits()
                + " backendErrors=" + (items.backendErrors() + near.backendErrors())
                + " lockTimeouts=" + (items.lockTimeouts() + near.lockTimeouts())
                + " errors=" + errors);
        }
        ChildSide.say("DONE");
    }

    /** The number after the 'v' the soak writes; 0 for the rows' first names. */
    private static long version(String name) {
        return name.startsWith("v") ? Long.parseLong(name.substring(1)) : 0;
    }

    private static long micros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
