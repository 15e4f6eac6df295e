package io.shardcache.benchmarks.stampede;

import io.shardcache.benchmarks.CommandLine;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The arguments of {@code stampede}, parsed and checked. Each option may be given once, as
 * {@code --name value} or {@code --name=value}.
 *
 * @param jvms      child JVMs to fork
 * @param threads   callers per child JVM, all released at once
 * @param query     what every caller runs
 * @param mode      whether the entry is missing or stale when the callers are released
 * @param scheme    shardcache's engine, or plain cache-aside for comparison
 * @param pool      HikariCP connections per child JVM
 * @param warmup    warm-up reads per caller thread (on keys of the child's own) before it reports READY
 * @param timeout   how long the run may take, from starting the children to their results
 * @param redisUri  {@code --redis}, or null: {@code TestServices.redis()} (SHARDCACHE_REDIS_URL, else 127.0.0.1:6379, ...)
 * @param pgUrl     {@code --pg}, or null: {@code TestServices.postgres()} (SHARDCACHE_PG_URL, else 127.0.0.1:5432, ...)
 * @param trace     {@code --trace}: print the children's merged timeline of lock calls, regeneration and store
 */
record StampedeOptions(int jvms, int threads, StampedeQuery query, Mode mode, Scheme scheme, int pool, int warmup,
                       Duration timeout, String redisUri, String pgUrl, boolean trace) {

    enum Mode {
        /** One key never used before: every caller misses. */
        COLD,
        /** The entry exists but is stale, in a region with {@code asyncRefresh(true)}. */
        STALE
    }

    enum Scheme {
        /** {@code CachingDSL} on Redis: single flight in each JVM, a Redisson lock across them. */
        CACHED,
        /** Plain cache-aside: backend get; on a miss run the query and put. No lock, no single flight. */
        NAIVE,
        /** Spring's cache abstraction on Redis, read as {@code @Cacheable(sync = true)}: single flight per JVM only. */
        SPRING
    }

    static final int DEFAULT_JVMS = 4;
    static final int DEFAULT_THREADS = 50;
    static final String DEFAULT_QUERY = "sleep:200";
    static final int DEFAULT_POOL = 10;
    static final int DEFAULT_WARMUP = 20;
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    static final String USAGE = """
        usage: java -jar shardcache-benchmarks.jar stampede [options]

        Forks JVMs that all read one cache key at the same instant and counts what reached PostgreSQL.
        The last line printed is
          callers=N db_executions=N lock_attempts=N query_ms=X p50_ms=X p99_ms=X max_ms=X

        options (each at most once; --name value or --name=value):
          --jvms N            child JVMs to fork (1..64)                          default %d
          --threads N         caller threads per JVM, released together (1..1000) default %d
          --query Q           sleep:<ms>  a query that sleeps <ms> on PostgreSQL  default %s
                              heavy       select bid, count(1) from pgbench_accounts group by bid
                                          (scale 20, loaded once into schema stampede_pgbench)
          --mode M            cold   the key was never cached                     default cold
                              stale  the entry exists but is stale (asyncRefresh region)
          --scheme S          cached shardcache's CachingDSL on Redis             default cached
                              naive  plain cache-aside: get, on a miss query and put (cold only)
                              spring Spring's cache on Redis as @Cacheable(sync = true) reads it (cold only)
          --pool N            PostgreSQL connections per child JVM (1..200)       default %d
          --warmup N          warm-up reads per caller thread, on other keys      default %d
          --timeout SECONDS   limit for the children's run                        default %d
          --redis URI         redis://host:port; default SHARDCACHE_REDIS_URL, else 127.0.0.1:6379
          --pg URL            jdbc:postgresql://... or postgresql://...; default SHARDCACHE_PG_URL,
                              else 127.0.0.1:5432 as postgres, else an embedded server
          --trace             also print the timeline of the key's lock calls, regeneration and
                              store in every JVM, in ms after GO (one clock: one machine)
          -h, --help          this text

        Bad arguments exit with status 2; a failed run (a child died, a caller got an error) with 1.
        """.formatted(DEFAULT_JVMS, DEFAULT_THREADS, DEFAULT_QUERY, DEFAULT_POOL, DEFAULT_WARMUP, DEFAULT_TIMEOUT.toSeconds());

    /**
     * @throws IllegalArgumentException whose message names the offending argument
     * @throws CommandLine.HelpRequested for {@code -h} or {@code --help}
     */
    static StampedeOptions parse(String... args) throws CommandLine.HelpRequested {
        int jvms = DEFAULT_JVMS;
        int threads = DEFAULT_THREADS;
        StampedeQuery query = StampedeQuery.parse(DEFAULT_QUERY);
        Mode mode = Mode.COLD;
        Scheme scheme = Scheme.CACHED;
        int pool = DEFAULT_POOL;
        int warmup = DEFAULT_WARMUP;
        Duration timeout = DEFAULT_TIMEOUT;
        String redis = null;
        String pg = null;
        boolean trace = false;
        for (CommandLine.Option o : CommandLine.options(args, Set.of("--trace"), "--jvms 4")) {
            String name = o.name(), value = o.value();
            if (name.equals("--trace")) {
                trace = true;
                continue;
            }
            switch (name) {
                case "--jvms" -> jvms = CommandLine.intIn(name, value, 1, 64);
                case "--threads" -> threads = CommandLine.intIn(name, value, 1, 1000);
                case "--query" -> {
                    try {
                        query = StampedeQuery.parse(value);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--query " + e.getMessage(), e);
                    }
                }
                case "--mode" -> mode = enumOf(Mode.class, name, value);
                case "--scheme" -> scheme = enumOf(Scheme.class, name, value);
                case "--pool" -> pool = CommandLine.intIn(name, value, 1, 200);
                case "--warmup" -> warmup = CommandLine.intIn(name, value, 0, 1_000_000);
                case "--timeout" -> timeout = Duration.ofSeconds(CommandLine.intIn(name, value, 1, 86_400));
                case "--redis" -> redis = CommandLine.nonEmpty(name, value);
                case "--pg" -> pg = CommandLine.nonEmpty(name, value);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (scheme != Scheme.CACHED && mode == Mode.STALE)
            throw new IllegalArgumentException("--scheme " + lower(scheme) + " cannot run --mode stale: it has no stale entries,"
                + " only hits and misses (an expired entry is a miss: use --mode cold)");
        return new StampedeOptions(jvms, threads, query, mode, scheme, pool, warmup, timeout, redis, pg, trace);
    }

    int callers() {
        return jvms * threads;
    }

    /** The options as a line of the report (without the addresses). */
    String describe() {
        return "jvms=" + jvms + " threads=" + threads + " query=" + query.spec() + " mode=" + lower(mode)
            + " scheme=" + lower(scheme) + " pool=" + pool + " warmup=" + warmup;
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String name, String value) {
        for (E e : type.getEnumConstants())
            if (lower(e).equals(value))
                return e;
        StringBuilder known = new StringBuilder();
        E[] all = type.getEnumConstants();
        for (int i = 0; i < all.length; i++)
            known.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(lower(all[i]));
        throw new IllegalArgumentException(name + " must be " + known + ", got '" + value + "'");
    }
}
