package io.shardcache.benchmarks;

import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Where a benchmark operation's CPU goes, in µs of CPU per operation, next to its wall time: the JMH
 * worker threads, Lettuce's threads, Redisson's threads, the JVM's own threads (JIT, GC; the process
 * CPU no Java thread accounts for) and the Redis server ({@code INFO cpu}). On a machine with fewer
 * cores than busy threads, every µs another thread spends is one the caller may wait for, so this
 * splits an operation's time into the caller's own work, the work it causes elsewhere, and waiting.
 *
 * <pre>java -jar shardcache-benchmarks.jar jmh RedisHitBenchmark -prof io.shardcache.benchmarks.CpuProfiler</pre>
 *
 * Reads the Redis of {@link TestServices#redis()}; a Redis it cannot reach is left out of the results.
 */
public final class CpuProfiler implements InternalProfiler {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> threadCpuBefore = new LinkedHashMap<>();
    private long processCpuBefore;
    private long redisCpuBefore;

    @Override
    public String getDescription() {
        return "CPU µs per operation: JMH workers, Lettuce, Redisson, JVM-internal threads, the Redis server";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        threadCpuBefore.clear();
        for (ThreadInfo t : THREADS.dumpAllThreads(false, false))
            threadCpuBefore.put(t.getThreadId(), Math.max(0, THREADS.getThreadCpuTime(t.getThreadId())));
        processCpuBefore = processCpu();
        redisCpuBefore = redisCpuMicros();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        long redisCpu = redisCpuMicros();
        long processCpu = processCpu();
        long ops = result.getMetadata().getAllOps();
        if (ops <= 0)
            return List.of();
        Map<String, Long> byGroup = new LinkedHashMap<>();
        for (String g : List.of("worker", "lettuce", "redisson", "other java"))
            byGroup.put(g, 0L);
        long javaThreads = 0;
        for (ThreadInfo t : THREADS.dumpAllThreads(false, false)) {
            long now = THREADS.getThreadCpuTime(t.getThreadId());
            if (now < 0)
                continue;
            // A thread started during the iteration spent all its CPU in it.
            long spent = now - threadCpuBefore.getOrDefault(t.getThreadId(), 0L);
            javaThreads += spent;
            byGroup.merge(group(t.getThreadName()), spent, Long::sum);
        }
        List<Result> out = new ArrayList<>();
        byGroup.forEach((g, nanos) -> out.add(perOp("cpu." + g.replace(' ', '_'), nanos / 1_000.0, ops)));
        out.add(perOp("cpu.jvm_internal", Math.max(0, processCpu - processCpuBefore - javaThreads) / 1_000.0, ops));
        if (redisCpu >= 0 && redisCpuBefore >= 0)
            out.add(perOp("cpu.redis", redisCpu - redisCpuBefore, ops));
        return out;
    }

    private static Result perOp(String label, double micros, long ops) {
        return new ScalarResult(label, micros / ops, "us/op", AggregationPolicy.AVG);
    }

    private static String group(String threadName) {
        if (threadName.contains("jmh-worker"))
            return "worker";
        if (threadName.startsWith("lettuce-"))
            return "lettuce";
        if (threadName.startsWith("redisson-"))
            return "redisson";
        return "other java";
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The Redis server's user plus system CPU in µs, from {@code INFO cpu}; -1 if it cannot be read. */
    static long redisCpuMicros() {
        RedisService redis = TestServices.redis();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(redis.host(), redis.port()), 1_000);
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write("*2\r\n$4\r\nINFO\r\n$3\r\ncpu\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(s.getInputStream());
            String header = line(in);
            if (!header.startsWith("$"))
                return -1;
            byte[] body = in.readNBytes(Integer.parseInt(header.substring(1)));
            double seconds = 0;
            for (String l : new String(body, StandardCharsets.US_ASCII).split("\r\n"))
                if (l.startsWith("used_cpu_user:") || l.startsWith("used_cpu_sys:"))
                    seconds += Double.parseDouble(l.substring(l.indexOf(':') + 1));
            return Math.round(seconds * 1_000_000);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read())
            if (c != '\r')
                b.append((char) c);
        return b.toString();
    }
}
