package io.shardcache.query;

import java.util.List;
import java.util.Objects;

/**
 * What {@link CachingDSL#health()} found: whether the cache backend serves, and why not.
 *
 * <ul>
 *   <li>{@link Status#UP}: the backend answered, its circuit is closed, and nothing is held back.</li>
 *   <li>{@link Status#DEGRADED}: the backend answers, but part of the cache is bypassed (a near
 *       cache whose change notifications are not flowing, generation bumps waiting to reach the
 *       backend) or calls have just failed. Queries still get correct rows; some run on the
 *       database or read Redis instead of a near copy.</li>
 *   <li>{@link Status#DOWN}: the backend did not answer, or its circuit is open: every read runs on
 *       the database (or fails, in regions with {@code onBackendFailure(FAIL)}).</li>
 * </ul>
 *
 * @param backend the backend's description (never a password)
 * @param reasons why it is not UP, one sentence each; empty when UP
 */
public record Health(Status status, String backend, List<String> reasons) {

    public enum Status { UP, DEGRADED, DOWN }

    public Health {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(backend, "backend");
        reasons = List.copyOf(reasons);
    }

    @Override
    public String toString() {
        return status + " " + backend + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons));
    }
}
