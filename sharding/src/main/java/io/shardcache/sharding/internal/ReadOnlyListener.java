package io.shardcache.sharding.internal;

import io.shardcache.sharding.ShardingException;
import java.util.function.Supplier;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.ExecuteType;

/**
 * Refuses jOOQ writes and DDL on a replica context before they reach a connection, with a message that
 * says what to use instead. jOOQ classifies plain SQL by its first word, so a write it cannot see (a
 * data-modifying {@code WITH}, a function that writes) still fails on the server, whose read-only
 * transaction refuses it ("cannot execute ... in a read-only transaction").
 */
public record ReadOnlyListener(int shard, Supplier<String> server, String schema) implements ExecuteListener {

    @Override
    public void start(ExecuteContext ctx) {
        ExecuteType type = ctx.type();
        if (type == ExecuteType.WRITE || type == ExecuteType.DDL || type == ExecuteType.BATCH)
            throw new ShardingException("refused a " + type + " statement on the read-only replica context of logical shard "
                + shard + " (schema " + schema + " on physical server " + server.get()
                + "); write through Sharding.on(key) or onShard(n): " + ctx.query(), shard, server.get(), null);
    }
}
