package io.shardcache.benchmarks.report;

import io.shardcache.benchmarks.CommandLine;
import io.shardcache.benchmarks.stampede.Stampede;
import io.shardcache.benchmarks.stampede.StampedeResult;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The {@code report} subcommand: in one run, measures every tier's hit latency side by side
 * ({@link TierLatencies}) and then the stampede schemes ({@link Stampede}, in this JVM, forking its
 * child JVMs as {@code stampede} does), and writes the plots, the numbers and a summary
 * ({@link ReportFiles}) into one directory.
 *
 * <p>A run fails, with exit status 1, if a cached read missed or returned another row than the
 * database's, or a stampede caller got an error; the files are written only after everything was
 * measured, so a failed run leaves the directory as it was.
 */
public final class Report {

    /**
     * One stampede scheme's run.
     *
     * @param latencyMs every caller's latency, in ms
     */
    record SchemeRun(ReportOptions.Scheme scheme, StampedeResult result, Percentiles latencyMs) {
    }

    /** The tiers' order in each round is shuffled from this seed: the same orders in every run. */
    static final long SHUFFLE_SEED = 20_251_122;
    /** Rounds of the write phase: write, then read through each cache. */
    static final int WRITE_ROUNDS = 20;

    private Report() {
    }

    /** Runs the subcommand; returns the exit status: 0 done, 1 the run failed, 2 bad arguments. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        ReportOptions o;
        try {
            o = ReportOptions.parse(args);
        } catch (CommandLine.HelpRequested h) {
            out.print(ReportOptions.USAGE);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("report: " + e.getMessage());
            err.println();
            err.print(ReportOptions.USAGE);
            return 2;
        }
        Stampede.quietLogging();
        try {
            Files.createDirectories(o.out());
            String environment;
            TierLatencies.Result tiers;
            TierLatencies.Writes writes;
            try (TierLatencies t = TierLatencies.open()) {
                environment = t.environment();
                out.println("# tiers: " + environment);
                tiers = t.sample(o.warmup(), o.samples(), new SplittableRandom(SHUFFLE_SEED), out);
                writes = t.writes(WRITE_ROUNDS);
                out.println("# writes: " + writes);
            }
            List<SchemeRun> stampedes = o.stampede() ? stampedes(o, out, err) : List.of();
            String command = ("java -jar benchmarks/target/shardcache-benchmarks.jar report " + String.join(" ", args)).strip();
            Map<String, String> files = new ReportFiles(o, command, Instant.now(), machine(), environment).render(tiers, stampedes, writes);
            for (Map.Entry<String, String> f : files.entrySet())
                Files.writeString(o.out().resolve(f.getKey()), f.getValue());
            out.println("# wrote " + String.join(", ", files.keySet()) + " to " + o.out().toAbsolutePath());
            return 0;
        } catch (IllegalStateException e) {
            err.println("report failed: " + e.getMessage());   // the report's own findings: the message says it all
            return 1;
        } catch (Exception e) {
            err.println("report failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    /** CPUs (and their model, where /proc/cpuinfo tells), operating system and JVM. */
    static String machine() {
        String model = "";
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            model = lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> " (" + l.replaceFirst("^[^:]*:\\s*", "") + ")")
                .orElse("");
        } catch (IOException | UncheckedIOException notLinux) {
            // the model is a detail; the count is what matters
        }
        return Runtime.getRuntime().availableProcessors() + " CPUs" + model + ", " + System.getProperty("os.name") + " "
            + System.getProperty("os.version") + " " + System.getProperty("os.arch") + "; " + System.getProperty("java.vm.name")
            + " " + System.getProperty("java.runtime.version");
    }

    private static List<SchemeRun> stampedes(ReportOptions o, PrintStream out, PrintStream err) throws Exception {
        List<SchemeRun> runs = new ArrayList<>();
        for (ReportOptions.Scheme s : ReportOptions.Scheme.values()) {
            String[] args = o.stampedeArgs(s).toArray(String[]::new);
            out.println("# stampede " + String.join(" ", args));
            StampedeResult r = Stampede.measure(args, out, err);
            if (r.errors() > 0)
                throw new IllegalStateException("stampede '" + s.label + "': " + r.errors() + " of " + r.callers()
                    + " callers got an error (printed above)");
            runs.add(new SchemeRun(s, r, Percentiles.of(Arrays.stream(r.latenciesUs()).mapToDouble(us -> us / 1_000.0).toArray())));
        }
        return runs;
    }
}
