package io.shardcache.sharding;

/**
 * One physical server (a PostgreSQL database) of a {@link ShardMap} and the logical shards the map declares
 * on it: the half-open range {@code [firstShard, endShard)}, empty ({@code [0, 0)}) for a server declared
 * without shards. This is where shards were created; after {@linkplain ShardMoves moves}, ask
 * {@link Sharding#serverOf(int)} and {@link Sharding#shardsOn(String)} where they live now.
 *
 * <p>An immutable value, safe to share. The name is the server's identity across restarts: it is what
 * {@link Sharding#initialize()} records in the server's metadata table and checks on every later start,
 * so renaming a server in the map is a change the metadata check reports.
 *
 * @param name       the server's name in the map ({@code db1}), used in errors and pool names
 * @param firstShard the first logical shard it holds
 * @param endShard   one past the last logical shard it holds
 * @param replicas   how many read replicas the map declares for it
 * @param address    where it is, for messages: the JDBC URL without its parameters (so never a password),
 *                   or the data source class when the pool is configured without a URL
 */
public record PhysicalServer(String name, int firstShard, int endShard, int replicas, String address) {

    /** How many logical shards the map declares on the server. */
    public int shardCount() {
        return endShard - firstShard;
    }

    /** Whether the map declares logical shard {@code shard} on this server. */
    public boolean holds(int shard) {
        return shard >= firstShard && shard < endShard;
    }

    /** {@code db1 [0, 2048)} or {@code db3 (no initial shards)}, the form errors use. */
    public String describe() {
        return shardCount() == 0 ? name + " (no initial shards)" : name + " [" + firstShard + ", " + endShard + ")";
    }
}
