package io.shardcache.sharding;

import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The root of the sharding module's exceptions for what goes wrong at run time: a map that contradicts what
 * the servers recorded, a shard number out of range, a key the router cannot place, a server that did not
 * answer, a migration or a fan-out that failed. Misuse of a builder or an argument (an option set twice, a
 * map whose ranges overlap, a {@code null} key, an unknown name) is an {@link IllegalArgumentException} or
 * {@link IllegalStateException} naming the setting and the value, as in every shardcache module.
 *
 * <p>Unchecked. The message carries the state that explains the failure (logical shard, physical server,
 * schema, waited milliseconds, the known names when a name was unknown), and the cause is chained. When
 * the failure concerns one shard or one server, {@link #shard()} and {@link #server()} name them, so
 * callers can act on them without parsing messages.
 *
 * <p>It does not extend query-core's {@code ShardcacheException} on purpose: the sharding module does not
 * depend on the cache, so it works with or without it on the class path.
 */
public class ShardingException extends RuntimeException {

    private final int shard;
    private final @Nullable String server;

    /** A failure that concerns no single shard or server (a bad map, for example). */
    public ShardingException(String message) {
        this(message, -1, null, null);
    }

    /** A failure that concerns no single shard or server, with its cause. */
    public ShardingException(String message, Throwable cause) {
        this(message, -1, null, cause);
    }

    /**
     * A failure on one logical shard and/or physical server.
     *
     * @param shard  the logical shard, or -1 when the failure concerns a whole server
     * @param server the physical server's name in the map, or {@code null} when unknown
     * @param cause  the underlying failure, or {@code null}
     */
    public ShardingException(String message, int shard, @Nullable String server, @Nullable Throwable cause) {
        super(message, cause);
        this.shard = shard;
        this.server = server;
    }

    /** The logical shard this failure concerns, if it concerns one. */
    public OptionalInt shard() {
        return shard < 0 ? OptionalInt.empty() : OptionalInt.of(shard);
    }

    /** The name (in the {@link ShardMap}) of the physical server this failure concerns, if any. */
    public Optional<String> server() {
        return Optional.ofNullable(server);
    }
}
