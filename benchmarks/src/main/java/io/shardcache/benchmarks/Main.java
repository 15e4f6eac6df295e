package io.shardcache.benchmarks;

import io.shardcache.benchmarks.report.Report;
import io.shardcache.benchmarks.stampede.Stampede;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The entry point of {@code shardcache-benchmarks.jar}: the first argument names a subcommand, the
 * rest are passed to it.
 *
 * <pre>
 * java -jar benchmarks/target/shardcache-benchmarks.jar jmh -l
 * java -jar benchmarks/target/shardcache-benchmarks.jar jmh CacheHitBenchmark -f 1 -wi 5 -i 10
 * java -jar benchmarks/target/shardcache-benchmarks.jar stampede --jvms 4 --threads 50 --query sleep:200 --mode cold
 * java -jar benchmarks/target/shardcache-benchmarks.jar report
 * java -jar benchmarks/target/shardcache-benchmarks.jar move --rows 1000000
 * java -jar benchmarks/target/shardcache-benchmarks.jar churn
 * </pre>
 *
 * No subcommand, or an unknown one, prints the usage and exits with status 2.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // For the subcommands that run jOOQ in this JVM (move, churn, throughput); JMH forks set them on their own.
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        String command = args.length == 0 ? "" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "stampede" -> System.exit(Stampede.run(rest, System.out, System.err));
            case "report" -> System.exit(Report.run(rest, System.out, System.err));
            case "move" -> System.exit(MoveBenchmark.run(rest, System.out, System.err));
            case "churn" -> System.exit(ChurnBenchmark.run(rest, System.out, System.err));
            case "throughput" -> System.exit(ThroughputBenchmark.run(rest, System.out, System.err));
            case "help", "-h", "--help" -> usage(System.out);
            default -> {
                if (!command.isEmpty())
                    System.err.println("unknown subcommand '" + command + "'");
                usage(System.err);
                System.exit(2);
            }
        }
    }

    private static void usage(PrintStream out) {
        out.println("""
            usage: java -jar shardcache-benchmarks.jar <subcommand> [arguments]

            subcommands:
              jmh [jmh options]   run JMH benchmarks; all arguments go to JMH, for example
                                    jmh -l                                   list the benchmarks
                                    jmh -h                                   JMH's own options
                                    jmh CacheHitBenchmark -f 1 -wi 5 -i 10   cache hit vs direct fetch
                                    jmh GenerationsBenchmark -f 1 -wi 5 -i 10   hits with and without table generations, near cache
                                    jmh QueryPoolBenchmark -f 1 -wi 5 -i 10     a batch of hits: one by one, virtual threads, QueryPool
              stampede [options]  fork JVMs whose threads all read one key at once; count database
                                  executions and lock attempts, report latencies. For example
                                    stampede --jvms 4 --threads 50 --query sleep:200 --mode cold
                                    stampede --help                          its options
              report [options]    one run that measures every tier's hit latency side by side and the
                                  stampede schemes, and writes SVG plots, CSV files and summary.md to
                                  benchmarks/report. For example
                                    report                                   defaults: 20,000 calls per tier,
                                                                             stampedes of 2 JVMs x 25 threads
                                    report --samples 50000 --jvms 4 --threads 50 --out /tmp/report
                                    report --help                            its options
              move [options]      move a logical shard of 1,000,000 rows to another server while writes go on,
                                  on two PostgreSQL servers it starts; report total time, rows/s, and the
                                  longest write pause. For example
                                    move --rows 1000000 --writers 4 --rate 200
                                    move --help                              its options
              churn [options]     reads per second on a table written every 100 ms: Redis regions with and
                                  without the churn bypass, next to the database alone. For example
                                    churn --keys 50 --readers 8 --write-ms 100 --seconds 5
              throughput [options] Redis-region hits per second at 1, 8, 64 and 512 callers (platform and
                                  virtual threads) next to redis-benchmark -t get at the same concurrency
                                    throughput --seconds 3
                                    throughput --connections 1,2            once per count of read connections
              help                this text

            PostgreSQL comes from SHARDCACHE_PG_URL, else 127.0.0.1:5432 (user postgres), else an
            embedded server; Redis (stampede, report) from SHARDCACHE_REDIS_URL, else 127.0.0.1:6379, else an
            embedded server; see io.shardcache.testing.TestServices.""");
    }
}
