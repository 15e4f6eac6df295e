package io.shardcache.benchmarks.stampede;

import io.shardcache.benchmarks.stampede.StampedeOptions.Mode;
import io.shardcache.benchmarks.stampede.StampedeOptions.Scheme;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the parent tells one child JVM, on its command line. The server addresses, which may carry
 * passwords, travel in the environment instead ({@link #ENV_PG_URL}, {@link #ENV_REDIS_URL}).
 *
 * @param run     the run's id: the Redis key prefix and the execution counter's key derive from it
 * @param child   this child's index, 0-based
 */
record ChildSpec(String run, int child, int threads, StampedeQuery query, Mode mode, Scheme scheme, int pool, int warmup) {

    static final String ENV_PG_URL = "SHARDCACHE_STAMPEDE_PG_URL";
    static final String ENV_REDIS_URL = "SHARDCACHE_STAMPEDE_REDIS_URL";

    ChildSpec {
        if (!run.matches("[a-z0-9]{1,32}"))
            throw new IllegalArgumentException("run id must be 1 to 32 lowercase letters or digits, got '" + run + "'");
    }

    static ChildSpec of(String run, int child, StampedeOptions o) {
        return new ChildSpec(run, child, o.threads(), o.query(), o.mode(), o.scheme(), o.pool(), o.warmup());
    }

    /** Every key this run writes to Redis starts with this. */
    static String redisPrefix(String run) {
        return "stampede:" + run + ":";
    }

    /** The counter key (a bind value of the query) of the stampede itself. */
    static String counterKey(String run) {
        return run;
    }

    String redisPrefix() {
        return redisPrefix(run);
    }

    List<String> toArgs() {
        List<String> a = new ArrayList<>();
        add(a, "run", run);
        add(a, "child", Integer.toString(child));
        add(a, "threads", Integer.toString(threads));
        add(a, "query", query.spec());
        add(a, "mode", StampedeOptions.lower(mode));
        add(a, "scheme", StampedeOptions.lower(scheme));
        add(a, "pool", Integer.toString(pool));
        add(a, "warmup", Integer.toString(warmup));
        return a;
    }

    static ChildSpec parse(String... args) {
        if (args.length % 2 != 0)
            throw new IllegalArgumentException("child arguments come in --name value pairs, got " + List.of(args));
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--"))
                throw new IllegalArgumentException("expected --name, got '" + args[i] + "'");
            m.put(args[i].substring(2), args[i + 1]);
        }
        return new ChildSpec(required(m, "run"), Integer.parseInt(required(m, "child")),
            Integer.parseInt(required(m, "threads")), StampedeQuery.parse(required(m, "query")),
            Mode.valueOf(required(m, "mode").toUpperCase(java.util.Locale.ROOT)),
            Scheme.valueOf(required(m, "scheme").toUpperCase(java.util.Locale.ROOT)),
            Integer.parseInt(required(m, "pool")), Integer.parseInt(required(m, "warmup")));
    }

    private static void add(List<String> a, String name, String value) {
        a.add("--" + name);
        a.add(value);
    }

    private static String required(Map<String, String> m, String name) {
        String v = m.get(name);
        if (v == null)
            throw new IllegalArgumentException("child argument --" + name + " is missing");
        return v;
    }
}
