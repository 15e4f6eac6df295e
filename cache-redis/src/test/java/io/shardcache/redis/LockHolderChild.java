package io.shardcache.redis;

import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.query.CachingDSL;
import io.shardcache.query.CountingBackend;
import io.shardcache.query.Regions;
import java.time.Duration;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * The doomed lock holder of {@link LockHolderKilledIT}: reads a cold key whose query blocks in
 * PostgreSQL (see {@link LockHolderKilledIT#gatedRead}), so it takes the regeneration lock and keeps
 * it until the parent kills it.
 *
 * <p>Arguments: {@code name=} (also the connections' application name), {@code counter=},
 * {@code leaseMs=} (the region's lock lease), {@code watchdogMs=} (the backend's lock watchdog
 * timeout). Prints {@code LOCKED <lock key>} the moment its engine holds the lock; should the read
 * ever return, {@code RETURNED}.
 */
public final class LockHolderChild {

    private LockHolderChild() {
    }

    public static void main(String[] argv) throws Exception {
        ChildSide side = ChildSide.start(argv);
        String name = side.arg("name");
        String counter = side.arg("counter");
        Duration lease = Duration.ofMillis(Long.parseLong(side.arg("leaseMs")));
        Duration watchdog = Duration.ofMillis(Long.parseLong(side.arg("watchdogMs")));

        Regions regions = Regions.builder().region("items", r -> r.lockLease(lease)).build();
        try (HikariDataSource pool = side.pool(2, name);
             RedisCacheBackend redis = RedisCacheBackend.builder(side.redisUri()).keyPrefix(side.prefix())
                 .lockWatchdogTimeout(watchdog).build()) {
            CountingBackend backend = new CountingBackend(redis, lockKey -> ChildSide.say("LOCKED " + lockKey));
            DSLContext dsl = DSL.using(pool, SQLDialect.POSTGRES);
            CachingDSL cached = CachingDSL.wrap(dsl, regions, backend);
            cached.fromCache("items").fetch(LockHolderKilledIT.gatedRead(dsl, counter));
            ChildSide.say("RETURNED");
        }
        System.exit(0);
    }
}
