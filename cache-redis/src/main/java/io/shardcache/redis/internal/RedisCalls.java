package io.shardcache.redis.internal;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.Circuit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How {@code RedisCacheBackend} makes its Lettuce calls: each on a {@link LazyConnection}, a Lettuce
 * failure turned into a {@link CacheBackendException} that names the server, command and key
 * ({@link Failures}), and, on a cluster with a circuit per master ({@link MasterCircuits}), each
 * admitted by and reported to the circuit of the master it goes to. Thread-safe.
 */
public final class RedisCalls {

    private final Failures failures;
    private final Duration commandTimeout;
    private final @Nullable MasterCircuits circuits;
    private final BooleanSupplier closed;

    /**
     * @param circuits a circuit per master of a cluster, or null for none
     * @param closed   true once the backend is closed: calls then fail without touching the network
     */
    public RedisCalls(Failures failures, Duration commandTimeout, @Nullable MasterCircuits circuits, BooleanSupplier closed) {
        this.failures = failures;
        this.commandTimeout = commandTimeout;
        this.circuits = circuits;
        this.closed = closed;
    }


    /**
     * {@code op} on {@code on}; on a cluster with a circuit per master, admitted and reported by the
     * circuit of the master that serves {@code route} (a key of the one slot {@code op} touches;
     * null for a keyless command), as a probe even while it is open if {@code now}.
     *
     * @param described the key or keys, as the failure's message names them
     */
    public <T> T call(LazyConnection on, String command, String described, @Nullable String route, boolean now,
                       Function<RedisClusterCommands<String, byte[]>, T> op) {
        if (closed.getAsBoolean())
            throw failures.of(command, described, "the backend is closed");
        RedisClusterCommands<String, byte[]> commands = on.commands(command, described);
        if (circuits == null || route == null)
            return run(commands, command, described, op);
        Circuit circuit = circuits.ofKey(route);
        return now ? circuit.callNow(() -> run(commands, command, described, op)) : circuit.call(() -> run(commands, command, described, op));
    }

    private <T> T run(RedisClusterCommands<String, byte[]> commands, String command, String described,
                      Function<RedisClusterCommands<String, byte[]>, T> op) {
        try {
            return op.apply(commands);
        } catch (RedisException e) {   // timeouts, rejected while disconnected, queue full, server errors
            throw failures.of(command, described, e);
        }
    }

    /**
     * The values of {@code keys}, in order, read on {@code on}: one {@code MGET} on one server. On a cluster with a
     * circuit per master, one per hash slot (as Lettuce would split it), all sent at once, each
     * admitted by its master's circuit and reported to it, so that a master down fails (and opens)
     * only its own circuit; a read that needs a master whose circuit is open fails at once.
     */
    public List<KeyValue<String, byte[]>> mget(LazyConnection on, String[] keys) {
        if (circuits == null || keys.length == 1) {
            List<KeyValue<String, byte[]>> got = call(on, "MGET", keys[0], keys[0], false, c -> c.mget(keys));
            if (got.size() != keys.length)
                throw failures.of("MGET", keys[0], "expected " + keys.length + " values, got " + got.size());
            return got;
        }
        if (closed.getAsBoolean())
            throw failures.of("MGET", keys[0], "the backend is closed");
        @SuppressWarnings("unchecked")
        RedisAdvancedClusterAsyncCommands<String, byte[]> async =
            ((StatefulRedisClusterConnection<String, byte[]>) on.connection("MGET", keys[0])).async();
        Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++)
            bySlot.computeIfAbsent(SlotHash.getSlot(keys[i]), x -> new ArrayList<>(2)).add(i);
        IdentityHashMap<Circuit, Circuit.Admission> admitted = new IdentityHashMap<>();
        List<Circuit> slotCircuits = new ArrayList<>(bySlot.size());
        try {
            for (int slot : bySlot.keySet()) {
                Circuit circuit = circuits.ofSlot(slot);
                slotCircuits.add(circuit);
                if (!admitted.containsKey(circuit))
                    admitted.put(circuit, circuit.admit());
            }
        } catch (CacheBackendException open) {
            admitted.forEach(Circuit::abandoned);
            throw open;
        }
        List<CompletableFuture<List<KeyValue<String, byte[]>>>> sent = new ArrayList<>(bySlot.size());
        for (List<Integer> positions : bySlot.values()) {
            String[] part = new String[positions.size()];
            for (int j = 0; j < part.length; j++)
                part[j] = keys[positions.get(j)];
            sent.add(async.mget(part).toCompletableFuture());
        }
        @SuppressWarnings("unchecked")
        KeyValue<String, byte[]>[] out = new KeyValue[keys.length];
        IdentityHashMap<Circuit, CacheBackendException> failed = new IdentityHashMap<>();
        int s = 0;
        for (List<Integer> positions : bySlot.values()) {
            Circuit circuit = slotCircuits.get(s);
            String firstKey = keys[positions.getFirst()];
            try {
                // Lettuce times the command out at commandTimeout; the margin only bounds a lost completion.
                List<KeyValue<String, byte[]>> got = sent.get(s).get(commandTimeout.toMillis() + 100, TimeUnit.MILLISECONDS);
                if (got.size() != positions.size())
                    throw failures.of("MGET", firstKey, "expected " + positions.size() + " values, got " + got.size());
                for (int j = 0; j < got.size(); j++)
                    out[positions.get(j)] = got.get(j);
            } catch (CacheBackendException e) {
                failed.putIfAbsent(circuit, e);
            } catch (ExecutionException | TimeoutException e) {
                failed.putIfAbsent(circuit, failures.of("MGET", firstKey, e instanceof ExecutionException x ? Failures.causeOf(x) : e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                admitted.forEach((c, a) -> c.abandoned(a));
                throw failures.of("MGET", firstKey, "interrupted");
            }
            s++;
        }
        admitted.forEach((c, a) -> {
            CacheBackendException e = failed.get(c);
            if (e == null)
                c.succeeded(a);
            else
                c.failed(a, e);
        });
        if (!failed.isEmpty())
            throw failed.values().iterator().next();
        return Arrays.asList(out);
    }
}
