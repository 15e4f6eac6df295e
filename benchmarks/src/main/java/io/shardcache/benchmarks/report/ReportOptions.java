package io.shardcache.benchmarks.report;

import io.shardcache.benchmarks.CommandLine;
import io.shardcache.benchmarks.stampede.Stampede;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The arguments of {@code report}, parsed and checked before anything runs. Each option may be given
 * once, as {@code --name value} or {@code --name=value}; a bad one fails with a message naming it.
 * The stampede options are checked by {@link Stampede#checkArguments} too, so a bad {@code --query}
 * fails here and not after the tier measurement.
 *
 * @param out      where the plots, the CSV files and {@code summary.md} go
 * @param samples  measured calls per tier
 * @param warmup   warm-up calls per tier, before the measured ones
 * @param jvms     child JVMs of each stampede
 * @param threads  callers per child JVM
 * @param query    the stampede's query ({@code sleep:<ms>} or {@code heavy})
 * @param stampede false for {@code --no-stampede}: tiers only
 */
public record ReportOptions(Path out, int samples, int warmup, int jvms, int threads, String query, boolean stampede) {

    public static final Path DEFAULT_OUT = Path.of("benchmarks/report");
    public static final int DEFAULT_SAMPLES = 20_000;
    public static final int DEFAULT_WARMUP = 5_000;
    public static final int DEFAULT_JVMS = 2;
    public static final int DEFAULT_THREADS = 25;
    public static final String DEFAULT_QUERY = "sleep:200";

    static final String USAGE = """
        usage: java -jar shardcache-benchmarks.jar report [options]

        One run that measures every tier's hit latency side by side (interleaved call by call) and then
        the stampede schemes (shardcache cold, shardcache stale, naive cache-aside cold, Spring Cache cold), and writes
        SVG plots, CSV files with every number plotted, and summary.md.

        options (each at most once; --name value or --name=value):
          --out DIR       output directory                                  default %s
          --samples N     measured calls per tier (100..10000000)            default %d
          --warmup N      warm-up calls per tier (0..10000000)               default %d
          --jvms N        stampede: child JVMs (as stampede --jvms)          default %d
          --threads N     stampede: callers per JVM (as stampede --threads)  default %d
          --query Q       stampede: sleep:<ms> or heavy (as stampede --query) default %s
          --no-stampede   measure the tiers only
          -h, --help      this text

        Bad arguments exit with status 2; a failed run (a cached read that missed or returned another
        row, a stampede caller's error) with 1, and leaves the output directory as it was.
        """.formatted(DEFAULT_OUT, DEFAULT_SAMPLES, DEFAULT_WARMUP, DEFAULT_JVMS, DEFAULT_THREADS, DEFAULT_QUERY);

    /** The stampede schemes the report runs, in its order. */
    enum Scheme {
        CACHED_COLD("shardcache cold", "--mode", "cold"),
        CACHED_STALE("shardcache stale", "--mode", "stale"),
        NAIVE_COLD("naive cold", "--mode", "cold", "--scheme", "naive"),
        SPRING_COLD("Spring Cache cold", "--mode", "cold", "--scheme", "spring");

        final String label;
        @SuppressWarnings("ImmutableEnumChecker")   // List.of: unmodifiable, though its type does not say so
        private final List<String> args;

        Scheme(String label, String... args) {
            this.label = label;
            this.args = List.of(args);
        }
    }

    /**
     * @throws IllegalArgumentException whose message names the offending argument
     * @throws CommandLine.HelpRequested for {@code -h} or {@code --help}
     */
    static ReportOptions parse(String... args) throws CommandLine.HelpRequested {
        Path out = DEFAULT_OUT;
        int samples = DEFAULT_SAMPLES, warmup = DEFAULT_WARMUP, jvms = DEFAULT_JVMS, threads = DEFAULT_THREADS;
        String query = DEFAULT_QUERY;
        boolean stampede = true;
        for (CommandLine.Option o : CommandLine.options(args, Set.of("--no-stampede"), "--samples 20000")) {
            String name = o.name(), value = o.value();
            if (name.equals("--no-stampede")) {
                stampede = false;
                continue;
            }
            switch (name) {
                case "--out" -> out = Path.of(CommandLine.nonEmpty(name, value));
                case "--samples" -> samples = CommandLine.intIn(name, value, 100, 10_000_000);
                case "--warmup" -> warmup = CommandLine.intIn(name, value, 0, 10_000_000);
                case "--jvms" -> jvms = CommandLine.intIn(name, value, 1, 64);
                case "--threads" -> threads = CommandLine.intIn(name, value, 1, 1000);
                case "--query" -> query = CommandLine.nonEmpty(name, value);
                default -> throw new IllegalArgumentException("unknown option " + name
                    + "; the options are --out, --samples, --warmup, --jvms, --threads, --query, --no-stampede");
            }
        }
        ReportOptions options = new ReportOptions(out, samples, warmup, jvms, threads, query, stampede);
        for (Scheme s : Scheme.values())
            Stampede.checkArguments(options.stampedeArgs(s).toArray(String[]::new));
        return options;
    }

    /** The arguments of {@code stampede} for one scheme. */
    List<String> stampedeArgs(Scheme scheme) {
        List<String> args = new ArrayList<>(List.of("--jvms", String.valueOf(jvms), "--threads", String.valueOf(threads),
            "--query", query));
        args.addAll(scheme.args);
        return args;
    }
}
