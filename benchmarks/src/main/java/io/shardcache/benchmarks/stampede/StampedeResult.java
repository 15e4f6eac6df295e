package io.shardcache.benchmarks.stampede;

/**
 * What one stampede run measured, as its last line prints it, with every caller's latency.
 * An immutable snapshot, made by the parent after every child JVM has reported.
 *
 * @param callers      callers released at once, in all JVMs
 * @param errors       callers whose read failed (their latency is not in {@code latenciesUs})
 * @param dbExecutions queries that reached PostgreSQL during the stampede (the counter table's rows)
 * @param lockAttempts {@code RegenerationLocks} calls for the stampede's key, in all JVMs (0 for naive cache-aside)
 * @param queryMs      the query run alone, uncached: the median of a few runs, in ms
 * @param latenciesUs  each successful caller's latency, from its own start to its rows, in µs (in no particular order)
 */
public record StampedeResult(int callers, int errors, long dbExecutions, long lockAttempts, double queryMs,
                             long[] latenciesUs) {

    public StampedeResult {
        latenciesUs = latenciesUs.clone();
    }

    @Override
    public long[] latenciesUs() {
        return latenciesUs.clone();
    }
}
