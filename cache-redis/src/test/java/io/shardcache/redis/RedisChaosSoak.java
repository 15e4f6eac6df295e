package io.shardcache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bounded soak, in a Maven profile of its own ({@code -Psoak}; not part of {@code verify}):
 * three JVMs ({@link SoakChild}) read and write twenty rows through a Redis of this test's own for
 * {@code shardcache.soak.minutes} (default 10), while a chaos loop every few seconds kills and
 * restarts Redis, pauses it ({@code SIGSTOP}, then {@code SIGCONT}), stalls it ({@code DEBUG SLEEP}),
 * or terminates the JVMs' PostgreSQL backends ({@code pg_terminate_backend}). Afterwards every read
 * is checked against every write (across JVMs, by wall clock on this one machine): a read of the
 * plain region that returned a version older than one whose commit had returned before the read
 * began is stale. It prints one line: operations, stale reads (outside a fault and within 2 s after
 * one, where a JVM's bumps may still be on their way), errors callers got, database queries per
 * miss, and the near cache's worst window. It fails if the plain region served a stale read
 * outside the faults' windows.
 */
@ExtendWith(ServicesExtension.class)
class RedisChaosSoak {

    private static final int JVMS = 3;
    private static final int ROWS = 20;
    /** After a fault ends, how long a JVM's refused bumps may take to land: reconnection, breaker, retry. */
    private static final long SETTLE_MICROS = 2_000_000;

    private record Fault(String kind, long startMicros, long endMicros) {
    }

    private record Write(long version, long endMicros) {
    }

    @Test
    void threeJvmsUnderChaosServeNoStaleRows(TestSchema schema, TestInfo test) throws Exception {
        long minutes = Long.getLong("shardcache.soak.minutes", 10);
        String prefix = RedisService.uniquePrefix(getClass().getSimpleName());
        Path dir = Files.createTempDirectory("shardcache-soak-");
        List<Fault> faults = new ArrayList<>();
        List<String> stats = new ArrayList<>();
        try (KillableRedis redis = KillableRedis.start(List.of("--enable-debug-command", "yes"));
             io.shardcache.query.Db db = new io.shardcache.query.Db(schema, 2)) {   // the items table
            db.execute("create sequence soak_version");
            List<ChildJvm> children = new ArrayList<>();
            try {
                for (int j = 0; j < JVMS; j++) {
                    ChildJvm child = ChildJvm.start("soak-" + j, SoakChild.class, List.of("name=jvm" + j,
                        "log=" + dir.resolve("jvm" + j + ".log"), "threads=3", "rows=" + ROWS, "lifetimeMinutes=" + (minutes + 5)),
                        ChildSide.environment(schema, redis.service(), prefix));
                    children.add(child);
                }
                for (ChildJvm c : children)
                    c.await("READY", Duration.ofMinutes(1));
                long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (System.nanoTime() < end) {
                    Thread.sleep(4_000 + random.nextInt(4_000));
                    long start = micros();
                    String kind = switch (random.nextInt(4)) {
                        case 0 -> {
                            redis.kill();
                            Thread.sleep(500 + random.nextInt(2_000));
                            redis.launch();
                            yield "kill";
                        }
                        case 1 -> {
                            redis.pause();
                            Thread.sleep(500 + random.nextInt(3_000));
                            redis.resume();
                            yield "sigstop";
                        }
                        case 2 -> {
                            try (RawRedis raw = new RawRedis(redis.service())) {
                                raw.commands().dispatch(io.lettuce.core.protocol.CommandType.DEBUG,
                                    new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                                    new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8)
                                        .add("SLEEP").add(String.format(java.util.Locale.ROOT, "%.2f", 0.5 + random.nextDouble() * 1.5)));
                            }
                            yield "debug-sleep";
                        }
                        default -> {
                            db.execute("select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'soak-%'");
                            yield "pg-terminate";
                        }
                    };
                    faults.add(new Fault(kind, start, micros()));
                }
                for (ChildJvm c : children)
                    c.send("STOP");
                for (ChildJvm c : children) {
                    stats.add(c.await("STATS", Duration.ofMinutes(2)));
                    c.await("DONE", Duration.ofMinutes(1));
                }
            } finally {
                for (ChildJvm c : children)
                    c.close();
            }
        }

        // Every write of every JVM, per row, by when its commit returned.
        Map<Integer, TreeMap<Long, Long>> writes = new HashMap<>();   // row -> end micros -> highest version committed by then
        List<String[]> reads = new ArrayList<>();
        long operations = 0;
        for (int j = 0; j < JVMS; j++)
            for (String line : Files.readAllLines(dir.resolve("jvm" + j + ".log"))) {
                operations++;
                String[] f = line.split(" ");
                if (f[0].equals("W"))
                    writes.computeIfAbsent(Integer.parseInt(f[1]), k -> new TreeMap<>()).merge(Long.parseLong(f[3]), Long.parseLong(f[2]), Math::max);
                else
                    reads.add(f);
            }
        for (TreeMap<Long, Long> w : writes.values()) {   // running maximum: the newest version committed by each time
            long max = 0;
            for (Map.Entry<Long, Long> e : w.entrySet()) {
                max = Math.max(max, e.getValue());
                e.setValue(max);
            }
        }
        long staleOutsideFaults = 0, staleNearFaults = 0, nearStale = 0, nearWindowMax = 0;
        for (String[] r : reads) {
            int row = Integer.parseInt(r[2]);
            long seen = Long.parseLong(r[3]);
            long start = Long.parseLong(r[4]);
            TreeMap<Long, Long> w = writes.get(row);
            Map.Entry<Long, Long> committed = w == null ? null : w.lowerEntry(start);
            if (committed == null || seen >= committed.getValue())
                continue;
            if (r[1].equals("near")) {
                nearStale++;
                // how long before this read began had a newer version's commit returned
                Map.Entry<Long, Long> first = firstWriteAbove(w, seen);
                nearWindowMax = Math.max(nearWindowMax, start - first.getKey());
            } else if (nearFault(faults, start))
                staleNearFaults++;
            else
                staleOutsideFaults++;
        }
        long misses = sum(stats, "misses"), regenerations = sum(stats, "regenerations");
        String line = String.format("RedisChaosSoak: %d min, %d JVMs, %d operations (%d reads), %d faults %s; stale reads of the plain region:"
                + " %d outside faults, %d within %d s after one; near-cache stale reads %d, worst %d ms after the commit;"
                + " database queries per cache miss %.2f (%d queries, %d misses; reads made while Redis was away query it without a miss); per JVM: %s",
            minutes, JVMS, operations, reads.size(), faults.size(), kinds(faults), staleOutsideFaults, staleNearFaults,
            SETTLE_MICROS / 1_000_000, nearStale, nearWindowMax / 1_000, misses == 0 ? 0.0 : (double) regenerations / misses,
            regenerations, misses, stats);
        System.out.println(line);
        Files.writeString(Path.of(System.getProperty("user.dir"), "target", "soak-result.txt"), line + System.lineSeparator());
        assertThat(reads).as("reads logged").isNotEmpty();
        assertThat(staleOutsideFaults).as("stale reads of the plain region outside faults: " + line).isZero();
    }

    /** The earliest write of {@code row} whose version is above {@code seen}. */
    private static Map.Entry<Long, Long> firstWriteAbove(TreeMap<Long, Long> row, long seen) {
        for (Map.Entry<Long, Long> e : row.entrySet())
            if (e.getValue() > seen)
                return e;
        throw new IllegalStateException("no write above " + seen);
    }

    private static boolean nearFault(List<Fault> faults, long micros) {
        for (Fault f : faults)
            if (micros >= f.startMicros() && micros <= f.endMicros() + SETTLE_MICROS)
                return true;
        return false;
    }

    private static String kinds(List<Fault> faults) {
        Map<String, Integer> n = new TreeMap<>();
        faults.forEach(f -> n.merge(f.kind(), 1, Integer::sum));
        return n.toString();
    }

    private static long sum(List<String> stats, String key) {
        long total = 0;
        Matcher m = Pattern.compile("\\b" + key + "=(\\d+)").matcher(String.join(" ", stats));
        while (m.find())
            total += Long.parseLong(m.group(1));
        return total;
    }

    private static long micros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
