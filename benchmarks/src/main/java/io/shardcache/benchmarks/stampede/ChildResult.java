package io.shardcache.benchmarks.stampede;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one child JVM reports after its callers finished, as one line on its stdout:
 * {@code RESULT child=0 callers=50 errors=0 try_acquire=0 acquire=1 ... latencies_us=201234,201301,...}.
 *
 * @param tryAcquires   {@code RegenerationLocks.tryAcquire} calls for the stampede's key (stale path)
 * @param acquires      {@code RegenerationLocks.acquire} calls for the stampede's key (miss path)
 * @param regenerations the engine's own count of queries it ran for the region (its listener); for the
 *                      naive scheme, the callers that ran the query
 * @param backendReads  calls that read the stampede's entry from the backend (each {@code MGET}-like read)
 * @param coalesced     reads that shared another caller's backend read instead (read coalescing)
 * @param startMaxUs    how long after reading GO the last caller thread started
 * @param drainUs       how long closing the caching DSL took (it waits for background refreshes)
 * @param cpuUs         CPU time the child JVM used (all its threads, JIT and GC included) from GO until its last caller finished
 * @param lockWaitsUs   each {@code lockWaited} the engine reported for the stampede's key, in µs
 * @param latenciesUs   each caller's latency, from its own start to its rows, in µs
 * @param events        the child's {@link Trace} of the stampede's key, for {@code --trace}
 */
record ChildResult(int child, int callers, int errors, long tryAcquires, long acquires, long regenerations,
                   long hits, long staleServed, long misses, long backendErrors, long lockTimeouts,
                   long backendReads, long coalesced, long startMaxUs, long drainUs, long cpuUs, long[] lockWaitsUs, long[] latenciesUs, List<Trace.Event> events) {

    static final String TAG = "RESULT";

    long lockAttempts() {
        return tryAcquires + acquires;
    }

    String format() {
        return TAG + " child=" + child + " callers=" + callers + " errors=" + errors
            + " try_acquire=" + tryAcquires + " acquire=" + acquires + " regenerations=" + regenerations
            + " hits=" + hits + " stale_served=" + staleServed + " misses=" + misses
            + " backend_errors=" + backendErrors + " lock_timeouts=" + lockTimeouts
            + " backend_reads=" + backendReads + " coalesced=" + coalesced
            + " start_max_us=" + startMaxUs + " drain_us=" + drainUs + " cpu_us=" + cpuUs
            + " lock_waits_us=" + join(lockWaitsUs) + " latencies_us=" + join(latenciesUs)
            + " events=" + events.stream().map(Trace.Event::format).collect(Collectors.joining(","));
    }

    /**
     * @throws IllegalArgumentException if {@code line} is not a complete result line
     */
    static ChildResult parse(String line) {
        if (!line.startsWith(TAG + " "))
            throw new IllegalArgumentException("not a result line: " + abbreviate(line));
        Map<String, String> f = new HashMap<>();
        for (String token : line.substring(TAG.length() + 1).trim().split(" +", -1)) {   // trimmed: no empty token at either end
            int eq = token.indexOf('=');
            if (eq <= 0)
                throw new IllegalArgumentException("result field without '=': '" + abbreviate(token) + "'");
            f.put(token.substring(0, eq), token.substring(eq + 1));
        }
        try {
            ChildResult r = new ChildResult(i(f, "child"), i(f, "callers"), i(f, "errors"), l(f, "try_acquire"),
                l(f, "acquire"), l(f, "regenerations"), l(f, "hits"), l(f, "stale_served"), l(f, "misses"),
                l(f, "backend_errors"), l(f, "lock_timeouts"), l(f, "backend_reads"), l(f, "coalesced"), l(f, "start_max_us"), l(f, "drain_us"), l(f, "cpu_us"),
                list(f, "lock_waits_us"), list(f, "latencies_us"), events(field(f, "events")));
            if (r.latenciesUs.length != r.callers - r.errors)
                throw new IllegalArgumentException("child " + r.child + " reports " + r.callers + " callers and " + r.errors
                    + " errors but " + r.latenciesUs.length + " latencies");
            return r;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed number in result line: " + e.getMessage(), e);
        }
    }

    private static String join(long[] values) {
        return Arrays.stream(values).mapToObj(Long::toString).collect(Collectors.joining(","));
    }

    private static String field(Map<String, String> f, String name) {
        String v = f.get(name);
        if (v == null)
            throw new IllegalArgumentException("result line has no " + name + "=");
        return v;
    }

    private static int i(Map<String, String> f, String name) {
        return Integer.parseInt(field(f, name));
    }

    private static long l(Map<String, String> f, String name) {
        return Long.parseLong(field(f, name));
    }

    private static long[] list(Map<String, String> f, String name) {
        String v = field(f, name);
        return v.isEmpty() ? new long[0] : Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
    }

    private static List<Trace.Event> events(String v) {
        return v.isEmpty() ? List.of() : Arrays.stream(v.split(",")).map(Trace.Event::parse).toList();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
