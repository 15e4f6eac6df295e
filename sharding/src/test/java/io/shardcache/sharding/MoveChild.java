package io.shardcache.sharding;

import com.zaxxer.hikari.HikariConfig;
import java.time.Duration;

/**
 * A mover in a JVM of its own, for {@link ShardMovesIT}: moves one shard and, on reaching the named step,
 * says so on stdout and waits to be killed. Arguments: db1 URL, db2 URL, db3 URL, shard, step.
 */
public final class MoveChild {

    private MoveChild() {
    }

    public static void main(String[] args) throws Exception {
        int shard = Integer.parseInt(args[3]);
        MoveStep killAt = MoveStep.valueOf(args[4]);
        ShardMap map = ShardMap.builder().logicalShards(8).applicationSchema(Items.APP_SCHEMA)
            .physical("db1", ShardMovesIT.config(args[0], "db1"), 0, 8)
            .physical("db2", ShardMovesIT.config(args[1], "db2"))
            .physical("db3", config(args[2]))
            .build();
        try (Sharding sharding = Sharding.create(map, Items.MODULO)) {
            ShardMoves.builder(sharding).template(ShardMovesIT.TEMPLATE).listener((s, from, to, step, detail) -> {
                if (step == killAt) {
                    System.out.println("AT " + step);
                    System.out.flush();
                    try {
                        Thread.sleep(Duration.ofMinutes(5));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }).build().move(shard, "db2");
            System.out.println("MOVED");
        }
    }

    private static HikariConfig config(String url) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setMaximumPoolSize(2);
        c.setMinimumIdle(0);
        return c;
    }
}
