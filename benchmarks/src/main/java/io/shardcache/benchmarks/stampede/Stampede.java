package io.shardcache.benchmarks.stampede;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.shardcache.benchmarks.CommandLine.HelpRequested;
import io.shardcache.benchmarks.stampede.StampedeOptions.Mode;
import io.shardcache.benchmarks.stampede.StampedeOptions.Scheme;
import io.shardcache.query.CachingDSL;
import io.shardcache.redis.RedisCacheBackend;
import io.shardcache.testing.PostgresService;
import io.shardcache.testing.TestServices;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * {@code stampede}: many callers in several JVMs read one key at the same instant; how many
 * reached the database, how many took a lock, and how long they waited.
 *
 * <h2>How a run goes</h2>
 * <ol>
 * <li>The parent (this class) parses the arguments, finds PostgreSQL and Redis, creates the counter
 *     table and functions ({@link StampedeDatabase}) and, for {@code heavy}, the pgbench data.</li>
 * <li>It measures {@code query_ms}: the query run uncached, directly, a few times (the median),
 *     under a counter key of its own.</li>
 * <li>For {@code --mode stale} it fills the entry through a {@link CachingDSL} on the run's Redis
 *     prefix and marks it stale; the counter's value then is the baseline.</li>
 * <li>It forks {@code --jvms} {@link StampedeChild} JVMs (same java binary, same class path) and
 *     waits for each to print READY (warmed up, callers parked on a latch), then writes GO to all.</li>
 * <li>Each child reports its callers' latencies and lock attempts and exits after its background
 *     refreshes are done; the parent reads the counter and prints the summary, last line
 *     {@code callers=.. db_executions=.. lock_attempts=.. query_ms=.. p50_ms=.. p99_ms=.. max_ms=..}.</li>
 * <li>It deletes the run's Redis keys (SCAN + UNLINK of {@code stampede:<run>:*}) and counter rows.</li>
 * </ol>
 * A run's key prefix and counter key are new, so a cold run's key was never cached before.
 */
public final class Stampede {

    /** How long a target may take, relative to the query alone, for a cold stampede. */
    static final double COLD_P99_FACTOR = 1.15;
    /** What a caller served stale rows may take at the 99th percentile. */
    static final double STALE_P99_MS = 2.0;

    /** jOOQ warns once per JVM that its POSTGRES dialect targets a newer server than 15; harmless here. */
    private static final String JOOQ_VERSION_NAG = "org.slf4j.simpleLogger.log.org.jooq.impl.DefaultExecuteContext.logVersionSupport";

    private static final List<String> CHILD_JVM_OPTIONS = List.of(
        "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-D" + JOOQ_VERSION_NAG + "=error",
        "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true");


    private final StampedeOptions options;
    private final PrintStream out;
    private final PrintStream err;
    private final String run;
    private long goEpochMicros;

    private Stampede(StampedeOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
        byte[] id = new byte[6];
        new SecureRandom().nextBytes(id);
        this.run = "r" + HexFormat.of().formatHex(id);
    }

    /**
     * Runs the subcommand; returns the exit status: 0 done, 1 the run failed (or a caller got an
     * error), 2 bad arguments (with a message naming the argument, and the usage).
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        StampedeOptions options;
        try {
            options = StampedeOptions.parse(args);
        } catch (HelpRequested h) {
            out.print(StampedeOptions.USAGE);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("stampede: " + e.getMessage());
            err.println();
            err.print(StampedeOptions.USAGE);
            return 2;
        }
        quietLogging();
        try {
            return new Stampede(options, out, err).run().errors() == 0 ? 0 : 1;
        } catch (IllegalStateException e) {
            err.println("stampede failed: " + e.getMessage());   // the harness's own findings: the message says it all
            return 1;
        } catch (Exception e) {
            err.println("stampede failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    /**
     * Runs one stampede in this JVM as {@link #run} does, printing the same lines to {@code out}, and
     * returns what it measured, every caller's latency included. A caller's error does not throw: it
     * is counted in {@link StampedeResult#errors()}.
     *
     * @throws IllegalArgumentException for bad arguments, with a message naming the argument
     * @throws Exception                if the run failed (a child died, a service was unreachable, ...)
     */
    public static StampedeResult measure(String[] args, PrintStream out, PrintStream err) throws Exception {
        StampedeOptions options = parse(args);
        quietLogging();
        return new Stampede(options, out, err).run();
    }

    /**
     * Checks {@code args} as {@link #run} would, without running anything.
     *
     * @throws IllegalArgumentException with a message naming the bad argument
     */
    public static void checkArguments(String... args) {
        parse(args);
    }

    private static StampedeOptions parse(String[] args) {
        try {
            return StampedeOptions.parse(args);
        } catch (HelpRequested h) {
            throw new IllegalArgumentException("-h/--help asks for the usage, not for a run");
        }
    }

    /** Sets slf4j-simple's default level to warn (unless set) and turns off jOOQ's logo and tips. */
    public static void quietLogging() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
            System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty(JOOQ_VERSION_NAG, System.getProperty(JOOQ_VERSION_NAG, "error"));
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    private StampedeResult run() throws Exception {
        StampedeOptions o = options;
        PostgresService postgres = postgres(o.pgUrl());
        String redisUri = o.redisUri() != null ? o.redisUri() : TestServices.redis().uri();
        String prefix = ChildSpec.redisPrefix(run);
        String counterKey = ChildSpec.counterKey(run);

        StampedeDatabase db = new StampedeDatabase(postgres);
        db.prepare();
        out.println("# stampede run=" + run + " " + o.describe());
        out.println("# postgres: " + postgres.address() + " from " + postgres.source() + " (PostgreSQL " + db.version()
            + "); redis: " + masked(redisUri) + " key prefix " + prefix);
        int wanted = o.jvms() * o.pool() + 2;
        int available = db.connectionsAvailable();
        if (wanted > available)
            throw new IllegalStateException("--jvms " + o.jvms() + " x --pool " + o.pool() + " (+2 for the parent) = " + wanted
                + " connections, but PostgreSQL has only " + available + " free (max_connections less those in use);"
                + " lower --pool or --jvms");
        if (o.query() instanceof StampedeQuery.Heavy)
            db.ensurePgbench(out);

        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(postgres.jdbcUrl());
        hc.setMaximumPoolSize(2);
        hc.setPoolName("stampede-parent");
        try (HikariDataSource pool = new HikariDataSource(hc)) {
            DSLContext dsl = DSL.using(pool, SQLDialect.POSTGRES);
            double queryMs = measureQuery(dsl);
            out.println("# region " + StampedeRegions.describe(o.mode()) + "; query: " + o.query().sql());

            long baseline = 0;
            if (o.mode() == Mode.STALE) {
                fillAndMakeStale(dsl, redisUri, prefix, counterKey);
                baseline = db.executions(counterKey);
            }

            List<ChildResult> results;
            try (ChildProcesses children = new ChildProcesses(o.jvms(), this::childCommand,
                     Map.of(ChildSpec.ENV_PG_URL, postgres.jdbcUrl(), ChildSpec.ENV_REDIS_URL, redisUri), err)) {
                long start = System.nanoTime();
                children.awaitReady(o.timeout());
                goEpochMicros = Trace.nowMicros();
                long goNanos = children.go();
                out.printf(Locale.ROOT, "# %d JVMs ready after %.1f s (warmed up, %d callers parked); GO written to all in %.2f ms%n",
                    o.jvms(), (System.nanoTime() - start) / 1e9, o.callers(), goNanos / 1e6);
                results = children.awaitResults(o.timeout());
            }
            long executions = db.executions(counterKey) - baseline;
            return report(results, executions, queryMs);
        } finally {
            cleanUp(db, redisUri, prefix);
        }
    }

    /** The URI without its credentials, for the report. */
    static String masked(String uri) {
        return uri.replaceFirst("//[^@/]*@", "//***@");
    }

    private static PostgresService postgres(String pgUrl) {
        if (pgUrl != null)
            // TestServices reads the address from this property first and, when it is set, tries nothing else.
            System.setProperty("SHARDCACHE_PG_URL", pgUrl);
        return TestServices.postgres();
    }

    /** The query run directly (uncached), once to warm up and then several times; the median, in ms. */
    private double measureQuery(DSLContext dsl) {
        StampedeQuery q = options.query();
        int runs = q instanceof StampedeQuery.Heavy ? 3 : 5;
        Object[] binds = q.binds(run + "-calibrate");
        dsl.resultQuery(q.sql(), binds).fetch();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            Result<?> rows = dsl.resultQuery(q.sql(), binds).fetch();
            ms[i] = (System.nanoTime() - start) / 1e6;
            if (rows.size() != q.expectedRows())
                throw new IllegalStateException(q.spec() + " returned " + rows.size() + " rows, expected " + q.expectedRows());
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = sorted[runs / 2];
        StringBuilder each = new StringBuilder();
        for (double m : ms)
            each.append(String.format(Locale.ROOT, " %.1f", m));
        out.printf(Locale.ROOT, "# query_ms: %s uncached, %d runs (ms):%s -> median %.1f%n", q.spec(), runs, each, median);
        return median;
    }

    /** Stores the stampede's entry through the engine on the run's prefix, then marks it stale. */
    private void fillAndMakeStale(DSLContext dsl, String redisUri, String prefix, String counterKey) throws InterruptedException {
        StampedeQuery q = options.query();
        Object[] binds = q.binds(counterKey);
        try (RedisCacheBackend backend = RedisCacheBackend.builder(redisUri).keyPrefix(prefix).build()) {
            StampedeRedis.awaitReachable(backend, "parent", Duration.ofSeconds(30));
            try (CachingDSL cached = CachingDSL.builder(dsl, StampedeRegions.of(Mode.STALE)).backend(backend).build()) {
                cached.fromCache(StampedeRegions.STAMPEDE).resultQuery(q.sql(), binds).fetch();
                if (cached.stats(StampedeRegions.STAMPEDE).stored() != 1)
                    throw new IllegalStateException("filling the stale entry failed: " + cached.stats(StampedeRegions.STAMPEDE));
                if (!cached.invalidateSoft(StampedeRegions.STAMPEDE, dsl.resultQuery(q.sql(), binds)))
                    throw new IllegalStateException("the entry just stored is not in Redis under " + prefix);
            }
        }
        out.println("# stale: entry filled through the engine, then marked stale (invalidateSoft); its execution is not counted");
    }

    private List<String> childCommand(int child) {
        String java = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(CHILD_JVM_OPTIONS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(StampedeChild.class.getName());
        cmd.addAll(ChildSpec.of(run, child, options).toArgs());
        return cmd;
    }

    private StampedeResult report(List<ChildResult> results, long executions, double queryMs) {
        boolean naive = options.scheme() != Scheme.CACHED;   // naive or Spring: executions, hits, misses
        int callers = 0;
        int errors = 0;
        long lockAttempts = 0;
        long regenerations = 0;
        long backendErrors = 0;
        long lockTimeouts = 0;
        List<Long> all = new ArrayList<>();
        for (ChildResult r : results) {
            callers += r.callers();
            errors += r.errors();
            lockAttempts += r.lockAttempts();
            regenerations += r.regenerations();
            backendErrors += r.backendErrors();
            lockTimeouts += r.lockTimeouts();
            for (long l : r.latenciesUs())
                all.add(l);
            Latencies own = new Latencies(r.latenciesUs());
            StringBuilder waits = new StringBuilder();
            for (long w : r.lockWaitsUs())
                waits.append(waits.isEmpty() ? "" : ",").append(Latencies.ms(w));
            out.println("# child " + r.child() + ": callers=" + r.callers() + " errors=" + r.errors()
                + (naive ? " executions=" + r.regenerations() + " hits=" + r.hits() + " misses=" + r.misses()
                         : " lock_attempts=" + r.lockAttempts() + " (acquire=" + r.acquires() + " try_acquire=" + r.tryAcquires()
                           + ") regenerations=" + r.regenerations() + " hits=" + r.hits() + " stale_served=" + r.staleServed()
                           + " misses=" + r.misses() + " backend_errors=" + r.backendErrors()
                           + " lock_timeouts=" + r.lockTimeouts() + " lock_wait_ms=[" + waits + "]"
                           + " backend_reads=" + r.backendReads() + " coalesced=" + r.coalesced())
                + " p50_ms=" + Latencies.ms(own.percentileMicros(0.5)) + " max_ms=" + Latencies.ms(own.maxMicros())
                + " last_start_ms=" + Latencies.ms(r.startMaxUs()) + " cpu_ms=" + Latencies.ms(r.cpuUs())
                + (naive ? "" : " close_ms=" + Latencies.ms(r.drainUs())));
        }
        if (options.trace())
            printTrace(results);
        long[] latencies = all.stream().mapToLong(Long::longValue).toArray();
        Latencies lat = new Latencies(latencies);
        double p50 = lat.percentileMicros(0.5) / 1000.0;
        double p99 = lat.percentileMicros(0.99) / 1000.0;
        double max = lat.maxMicros() / 1000.0;
        out.println("# db_executions=" + executions + " (rows in " + StampedeDatabase.SCHEMA + ".executions for run " + run
            + "); " + (naive ? "callers that ran the query" : "engine regenerations") + "=" + regenerations
            + (naive ? "" : " backend_errors=" + backendErrors + " lock_timeouts=" + lockTimeouts));
        out.println("# errors=" + errors + (errors == 0 ? "" : " (each child's errors are printed above, on stderr)"));
        out.println(target(executions, queryMs, p99));
        out.printf(Locale.ROOT, "callers=%d db_executions=%d lock_attempts=%d query_ms=%.1f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f%n",
            callers, executions, lockAttempts, queryMs, p50, p99, max);
        out.flush();
        return new StampedeResult(callers, errors, executions, lockAttempts, queryMs, latencies);
    }

    /** Every child's events in one timeline, in ms after the parent started writing GO. */
    private void printTrace(List<ChildResult> results) {
        record Line(long micros, int child, String event) {
        }
        List<Line> lines = new ArrayList<>();
        for (ChildResult r : results)
            for (Trace.Event e : r.events())
                lines.add(new Line(e.epochMicros() - goEpochMicros, r.child(), e.name()));
        lines.sort(java.util.Comparator.comparingLong(Line::micros));
        out.println("# trace (ms after GO; wall clock, all JVMs on this machine):");
        for (Line l : lines)
            out.printf(Locale.ROOT, "#   %9.2f  child %d  %s%n", l.micros() / 1000.0, l.child(), l.event());
    }

    /** The issue's targets, with whether this run met them; reported, not asserted. */
    private String target(long executions, double queryMs, double p99) {
        boolean stale = options.mode() == Mode.STALE;
        double limit = stale ? STALE_P99_MS : COLD_P99_FACTOR * queryMs;
        String limitText = stale ? String.format(Locale.ROOT, "p99_ms <= %.1f", STALE_P99_MS)
                                 : String.format(Locale.ROOT, "p99_ms <= %.2f x query_ms = %.1f", COLD_P99_FACTOR, limit);
        String verdict = "db_executions=1 " + (executions == 1 ? "met" : "MISSED (" + executions + ")") + "; "
            + limitText + " " + (p99 <= limit ? "met" : String.format(Locale.ROOT, "MISSED (%.1f)", p99));
        String which = stale ? "stale with async refresh" : "cold";
        if (options.scheme() != Scheme.CACHED)
            return "# target (" + which + ", for the cached scheme; " + StampedeOptions.lower(options.scheme())
                + " is the comparison): " + verdict;
        return "# target (" + which + "): " + verdict;
    }

    private void cleanUp(StampedeDatabase db, String redisUri, String prefix) {
        try {
            db.deleteRun(run);
        } catch (Exception e) {
            err.println("# could not delete the run's counter rows (" + StampedeDatabase.SCHEMA + ".executions, run_key "
                + run + "*): " + e.getMessage());
        }
        try {
            StampedeRedis.deleteKeys(redisUri, prefix);
        } catch (Exception e) {
            err.println("# could not delete the run's Redis keys " + prefix + "*: " + e.getMessage());
        }
    }
}
