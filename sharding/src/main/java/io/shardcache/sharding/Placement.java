package io.shardcache.sharding;

import io.shardcache.sharding.internal.PlacementTable;
import java.util.Arrays;
import java.util.List;

/**
 * Where every logical shard lives now: the map's declared servers, overridden by the moves recorded in the
 * servers' {@code shardcache.shard_placement} tables (the row with the highest version wins for each
 * shard). Immutable; {@link Sharding} swaps in a new one when it learns of a move.
 */
final class Placement {

    private final ShardMap map;
    private final int[] owners;
    private final long[] versions;

    private Placement(ShardMap map, int[] owners, long[] versions) {
        this.map = map;
        this.owners = owners;
        this.versions = versions;
    }

    static Placement declared(ShardMap map) {
        int[] owners = new int[map.logicalShards()];
        for (int shard = 0; shard < owners.length; shard++)
            owners[shard] = map.indexOf(map.serverOf(shard).name());
        return new Placement(map, owners, new long[owners.length]);
    }

    /**
     * This placement with {@code rows} applied where they are newer.
     *
     * @throws ShardingException if a row puts a shard on a server the map does not declare
     */
    Placement with(List<PlacementTable.Row> rows) {
        int[] o = owners.clone();
        long[] v = versions.clone();
        boolean changed = false;
        for (PlacementTable.Row r : rows) {
            if (r.shard() < 0 || r.shard() >= o.length || r.version() <= v[r.shard()])
                continue;
            int server = map.indexOf(r.server());
            if (server < 0)
                throw new ShardingException("logical shard " + r.shard() + " was moved to physical server '" + r.server()
                    + "' (map version " + r.version() + "), which this map does not declare: add it with physical(\""
                    + r.server() + "\", config)", r.shard(), r.server(), null);
            o[r.shard()] = server;
            v[r.shard()] = r.version();
            changed = true;
        }
        return changed ? new Placement(map, o, v) : this;
    }

    PhysicalServer serverOf(int shard) {
        return map.servers().get(owners[shard]);
    }

    /** The index in {@link ShardMap#servers()} of the server {@code shard} lives on. */
    int serverIndexOf(int shard) {
        return owners[shard];
    }

    /** The version of the move that put {@code shard} where it is; 0 if it never moved. */
    long versionOf(int shard) {
        return versions[shard];
    }

    /** The highest version of any move this placement knows. */
    long mapVersion() {
        return Arrays.stream(versions).max().orElse(0);
    }

    /** The logical shards on {@code server}, ascending. */
    int[] shardsOn(PhysicalServer server) {
        int index = map.indexOf(server.name());
        int n = 0;
        for (int owner : owners)
            if (owner == index)
                n++;
        int[] out = new int[n];
        for (int shard = 0, k = 0; shard < owners.length; shard++)
            if (owners[shard] == index)
                out[k++] = shard;
        return out;
    }
}
