package io.shardcache.sharding;

/**
 * A statement reached a logical shard's old server after the shard was {@linkplain ShardMoves moved}, or
 * while its move was switching servers: PostgreSQL refused it there (the shard's schema on the old server
 * was renamed in the same transaction that recorded the move), so nothing was written. Retryable: this
 * {@link Sharding} has already reloaded where the shard lives, and its contexts (the same instances) now
 * send the shard's statements to the new server. Run the statement, or the whole transaction, again; or use
 * {@link Sharding#onRetryingMoves(Object, java.util.function.Function)}, which does.
 */
public final class ShardMovedException extends ShardingException {

    private final String from;
    private final String to;

    ShardMovedException(int shard, String schema, String from, String to, long version, Throwable cause) {
        super("logical shard " + shard + " (schema " + schema + ") moved from physical server " + from + " to " + to
            + " (map version " + version + "); the statement reached " + from + " and was refused there, so nothing"
            + " was applied. Run it again: the shard's contexts now send it to " + to, shard, from, cause);
        this.from = from;
        this.to = to;
    }

    /** The server the statement was refused on. */
    public String from() {
        return from;
    }

    /** The server the shard lives on now. */
    public String to() {
        return to;
    }
}
