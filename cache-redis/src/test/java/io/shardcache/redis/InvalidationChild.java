package io.shardcache.redis;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;

import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.CountingBackend;
import java.time.Duration;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * JVM A of {@link TwoJvmInvalidationIT}: a process of its own (Redis clients, pool, engine) that
 * writes through its caching DSL's {@code dsl()} and reads through its own cache, one command at a
 * time, as the parent (JVM B) tells it.
 *
 * <p>Arguments: {@code name=} (the application name of its connections, which the gated read of
 * {@link TwoJvmInvalidationIT#gatedRead} looks for), {@code leaseMs=} (the lock lease of region
 * {@code gated}), {@code commandTimeoutMs=} (Redis). Prints {@code READY} once warmed up, then
 * answers each stdin line:
 * <ul>
 * <li>{@code WRITE <id> <name>}: an auto-commit update of {@code items}; then {@code WROTE <name> <nanoTime>},
 *     the {@link System#nanoTime()} taken the moment the write returned (after its commit and
 *     its bumps).</li>
 * <li>{@code WRITE_TX <id> <name>}: the update in a transaction on {@code dsl()}; prints
 *     {@code UPDATED <name>} while it is open and uncommitted, waits for {@code COMMIT}, commits, then
 *     {@code WROTE} as above.</li>
 * <li>{@code ROLLBACK <id> <name>}: the update in a transaction; reads the row back inside it
 *     (bypassing the cache) and prints {@code UNCOMMITTED <what it read>}, waits for
 *     {@code ROLL_BACK}, rolls back, prints {@code ROLLED_BACK}.</li>
 * <li>{@code GATED_READ <count key> <gate>}: reads {@link TwoJvmInvalidationIT#gatedRead} through region
 *     {@code gated}; prints {@code LOCKED <lock key>} the moment its engine holds the regeneration
 *     lock, and {@code READ <name>} when the read returns.</li>
 * <li>{@code STATS <region>}: {@code STATS <RegionStats>}.</li>
 * </ul>
 * Any failure goes to stderr and ends the process with status 1; the parent quotes it.
 */
public final class InvalidationChild {

    /** Set while a gated read runs: only its lock acquisition is announced. */
    private static volatile boolean announceLocks;

    private InvalidationChild() {
    }

    public static void main(String[] argv) throws Exception {
        ChildSide side = ChildSide.start(argv);
        String name = side.arg("name");
        Duration lease = Duration.ofMillis(Long.parseLong(side.arg("leaseMs")));
        Duration commandTimeout = Duration.ofMillis(Long.parseLong(side.arg("commandTimeoutMs")));
        try (HikariDataSource pool = side.pool(2, name);
             RedisCacheBackend redis = RedisCacheBackend.builder(side.redisUri()).keyPrefix(side.prefix())
                 .commandTimeout(commandTimeout).build()) {
            CountingBackend backend = new CountingBackend(redis, lockKey -> {
                if (announceLocks)
                    ChildSide.say("LOCKED " + lockKey);
            });
            DSLContext dsl = DSL.using(pool, SQLDialect.POSTGRES);
            try (CachingDSL cached = CachingDSL.builder(dsl, TwoJvmInvalidationIT.regions(lease)).backend(backend)
                     .listener(new StampedeChild.StderrListener()).build()) {
                warmUp(cached, name);
                ChildSide.say("READY");
                serve(side, cached, name);
            }
        } catch (Throwable t) {
            t.printStackTrace();
            System.err.flush();
            System.exit(1);
        }
        System.exit(0);
    }

    /**
     * Class loading, JIT and connections, on data no test reads: the scratch table and count keys of
     * A's own, in region {@code items} only, so that region {@code gated} starts from zero.
     */
    private static void warmUp(CachingDSL cached, String name) {
        for (int i = 0; i < 3; i++) {
            cached.dsl().update(TwoJvmInvalidationIT.SCRATCH).set(TwoJvmInvalidationIT.SCRATCH_V, i).execute();
            cached.dsl().transaction(trx -> trx.dsl().update(TwoJvmInvalidationIT.SCRATCH).set(TwoJvmInvalidationIT.SCRATCH_V, -1).execute());
            TwoJvmInvalidationIT.nameOf(cached.fromCache("items"), 100, "a-warm");
            // Not gated: no session is called "nobody".
            cached.fromCache("items").fetch(TwoJvmInvalidationIT.gatedRead(cached.dsl(), "a-warm-gated", 0, "nobody"));
        }
    }

    private static void serve(ChildSide side, CachingDSL cached, String name) throws Exception {
        while (true) {
            String line = side.nextCommand(Duration.ofSeconds(90));
            if (line == null)
                throw new IllegalStateException("no command from the parent for 90 s");
            String[] w = line.split(" ");
            switch (w[0]) {
                case "WRITE" -> {
                    update(cached.dsl(), Integer.parseInt(w[1]), w[2]);
                    long returned = System.nanoTime();
                    ChildSide.say("WROTE " + w[2] + " " + returned);
                }
                case "WRITE_TX" -> {
                    cached.dsl().transaction(trx -> {
                        update(trx.dsl(), Integer.parseInt(w[1]), w[2]);
                        ChildSide.say("UPDATED " + w[2]);
                        side.awaitCommand("COMMIT", Duration.ofSeconds(30));
                    });
                    long returned = System.nanoTime();
                    ChildSide.say("WROTE " + w[2] + " " + returned);
                }
                case "ROLLBACK" -> {
                    int id = Integer.parseInt(w[1]);
                    try {
                        cached.dsl().transaction(trx -> {
                            update(trx.dsl(), id, w[2]);
                            // Inside the transaction the cache is bypassed: its own uncommitted row, never stored.
                            ChildSide.say("UNCOMMITTED " + TwoJvmInvalidationIT.nameOf(cached.on(trx.dsl()).fromCache("items"), id, "a-inside"));
                            side.awaitCommand("ROLL_BACK", Duration.ofSeconds(30));
                            throw new RolledBack();
                        });
                        throw new IllegalStateException("the transaction was meant to roll back");
                    } catch (RolledBack expected) {
                        ChildSide.say("ROLLED_BACK");
                    }
                }
                case "GATED_READ" -> {
                    announceLocks = true;
                    String read;
                    try {
                        read = cached.fromCache("gated").fetch(TwoJvmInvalidationIT.gatedRead(cached.dsl(), w[1], Long.parseLong(w[2]), name))
                            .getValue(0, NAME);
                    } finally {
                        announceLocks = false;
                    }
                    ChildSide.say("READ " + read);
                }
                case "STATS" -> ChildSide.say("STATS " + cached.stats(w[1]));
                default -> throw new IllegalArgumentException("unknown command '" + line + "'");
            }
        }
    }

    private static void update(DSLContext dsl, int id, String name) {
        int rows = dsl.update(ITEMS).set(NAME, name).where(ID.eq(id)).execute();
        if (rows != 1)
            throw new IllegalStateException("update of item " + id + " changed " + rows + " rows");
    }

    private static final class RolledBack extends RuntimeException {
        RolledBack() {
            super("rolled back on the parent's command", null, false, false);
        }
    }
}
