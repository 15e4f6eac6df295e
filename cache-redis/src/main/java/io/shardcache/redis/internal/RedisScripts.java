package io.shardcache.redis.internal;

import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code RedisCacheBackend} stores and runs on the server: the Lua scripts that make a checked
 * store, a bump, a counter's repair and a delete atomic, how a counter's bytes are read, and how keys
 * are grouped by hash slot for a cluster (a script touches keys of one slot). The README's "Redis, for
 * operators" describes the keys and messages.
 */
public final class RedisScripts {

    private RedisScripts() {
    }

    /**
     * KEYS: the entry, then the counters; ARGV: the entry's bytes, PX milliseconds, then each
     * counter's expected value in decimal. Stores only if every counter exists and still holds
     * its expected value; returns 1 if it stored, else 0. Compared as strings, as Redis stores them.
     */
    public static final LuaScript PUT_IF_GENERATIONS = new LuaScript("""
        for i = 2, #KEYS do
          if redis.call('GET', KEYS[i]) ~= ARGV[i + 1] then
            return 0
          end
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """);

    /** Lua that sets {@code clock} to the server's time in microseconds. */
    static final String CLOCK = """
        local now = redis.call('TIME')
        local clock = tonumber(now[1]) * 1000000 + tonumber(now[2])
        """;

    /**
     * KEYS: the counters; ARGV: the channel, then each counter's name as the caller gave it.
     * Moves each to a new value and publishes {@code G<value> <name>}; returns the new values in order.
     *
     * <p>The new value is the larger of the old one plus one and the server's clock in
     * microseconds, so values follow the clock and never repeat, even across a counter's loss or
     * rollback: a server restarted empty or from an older snapshot, a failover to a replica that
     * missed the last increments, a ring that moved the counter. An entry anywhere that recorded an
     * earlier value can never match a later one ("ABA"). Only a server clock set back by more than
     * the time since the counter's last value would defeat this. ({@code %d}: Lua's default number
     * format would turn such values into exponents; they stay below 2^53, exact in Lua.)
     */
    public static final LuaScript INCREMENT = new LuaScript(CLOCK + """
        local out = {}
        for i = 1, #KEYS do
          local raw = redis.call('GET', KEYS[i])
          local old = 0
          local repaired = 0
          if raw then
            if string.match(raw, '^%-?%d+$') then
              old = tonumber(raw)
            else
              repaired = 1
            end
          end
          local value = math.max(old + 1, clock)
          redis.call('SET', KEYS[i], string.format('%d', value))
          out[2 * i - 1] = value
          out[2 * i] = repaired
          redis.call('PUBLISH', ARGV[1], 'G' .. string.format('%d', value) .. ' ' .. ARGV[i + 1])
        end
        return out
        """);

    /**
     * KEYS: counters found missing or holding a non-integer. Sets each that is still so to the
     * server's clock in microseconds, leaving any that another caller set meanwhile; returns, per
     * counter, its value and 0 (already set), 1 (created) or 2 (repaired). Creates no message: no
     * entry can have recorded a value a counter never had.
     */
    public static final LuaScript ENSURE = new LuaScript(CLOCK + """
        local out = {}
        for i = 1, #KEYS do
          local raw = redis.call('GET', KEYS[i])
          local value
          local status = 0
          if not raw then
            value = clock
            status = 1
          elseif not string.match(raw, '^%-?%d+$') then
            value = clock
            status = 2
          else
            value = tonumber(raw)
          end
          if status ~= 0 then
            redis.call('SET', KEYS[i], string.format('%d', value))
          end
          out[2 * i - 1] = value
          out[2 * i] = status
        end
        return out
        """);

    /** KEYS: the entry; ARGV: the channel and the message. Deletes, publishes, returns DEL's count. */
    public static final LuaScript DELETE = new LuaScript("""
        local deleted = redis.call('DEL', KEYS[1])
        redis.call('PUBLISH', ARGV[1], ARGV[2])
        return deleted
        """);

    /**
     * The positions of {@code keys} grouped by hash slot on a cluster (a script touches keys of one
     * slot), in one group on one server.
     */
    public static Collection<List<Integer>> bySlot(List<String> keys, boolean cluster) {
        Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++)
            groups.computeIfAbsent(cluster ? SlotHash.getSlot(keys.get(i)) : 0, x -> new ArrayList<>()).add(i);
        return groups.values();
    }

    /** What {@link #integer} answers for anything but a decimal integer (a counter never holds it). */
    public static final long NOT_AN_INTEGER = Long.MIN_VALUE;

    /**
     * The decimal integer in {@code value} (ASCII digits, an optional leading minus), or
     * {@link #NOT_AN_INTEGER}; read in place, without a string, as it runs for every counter of a hit.
     */
    public static long integer(byte[] value) {
        int i = value.length > 0 && value[0] == '-' ? 1 : 0;
        if (i == value.length || value.length - i > 19)
            return NOT_AN_INTEGER;
        long n = 0;
        for (; i < value.length; i++) {
            int d = value[i] - '0';
            if (d < 0 || d > 9)
                return NOT_AN_INTEGER;
            if (n > (Long.MAX_VALUE - d) / 10)
                return NOT_AN_INTEGER;   // past a long
            n = n * 10 + d;
        }
        return value[0] == '-' ? -n : n;
    }
}
