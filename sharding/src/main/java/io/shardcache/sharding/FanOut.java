package io.shardcache.sharding;

import io.shardcache.sharding.internal.Options;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How {@link Sharding#onAll(FanOut, java.util.function.Function)} runs: the failure policy, the per-shard
 * timeout and how connections are used. An immutable value, safe to share and to reuse.
 *
 * <pre>{@code
 * FanOut bestEffort = FanOut.builder()
 *     .policy(FanOutPolicy.BEST_EFFORT)
 *     .shardTimeout(Duration.ofSeconds(2))
 *     .mode(FanOutMode.CONNECTION_PER_SERVER)
 *     .build();
 * }</pre>
 *
 * @param policy       what failures do; default {@link #DEFAULT_POLICY}
 * @param shardTimeout how long one shard may take once it has its turn (see {@link ShardOutcome#latency()});
 *                     a shard past it is interrupted and reported as timed out; default {@link #DEFAULT_SHARD_TIMEOUT}
 * @param mode         connections per shard or per server; default {@link #DEFAULT_MODE}
 */
public record FanOut(FanOutPolicy policy, Duration shardTimeout, FanOutMode mode) {

    /** A missing shard usually makes a cross-shard answer wrong, and failing fast wastes the least. */
    public static final FanOutPolicy DEFAULT_POLICY = FanOutPolicy.FAIL_FAST;

    public static final Duration DEFAULT_SHARD_TIMEOUT = Duration.ofSeconds(30);

    public static final FanOutMode DEFAULT_MODE = FanOutMode.CONNECTION_PER_SHARD;

    private static final FanOut DEFAULTS = new FanOut(DEFAULT_POLICY, DEFAULT_SHARD_TIMEOUT, DEFAULT_MODE);

    public FanOut {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(shardTimeout, "shardTimeout");
        Objects.requireNonNull(mode, "mode");
        if (shardTimeout.isNegative() || shardTimeout.isZero() || shardTimeout.toMillis() == 0)
            throw new IllegalArgumentException("shardTimeout " + shardTimeout + " must be at least 1 ms");
    }

    /** Every option at its default. */
    public static FanOut defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects a fan-out's options; each may be set once. Not thread-safe. */
    public static final class Builder {
        private @Nullable FanOutPolicy policy;
        private @Nullable Duration shardTimeout;
        private @Nullable FanOutMode mode;

        private Builder() {
        }

        public Builder policy(FanOutPolicy policy) {
            Options.once("policy", this.policy);
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public Builder shardTimeout(Duration shardTimeout) {
            Options.once("shardTimeout", this.shardTimeout);
            this.shardTimeout = Objects.requireNonNull(shardTimeout, "shardTimeout");
            return this;
        }

        public Builder mode(FanOutMode mode) {
            Options.once("mode", this.mode);
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        public FanOut build() {
            return new FanOut(policy != null ? policy : DEFAULT_POLICY,
                shardTimeout != null ? shardTimeout : DEFAULT_SHARD_TIMEOUT,
                mode != null ? mode : DEFAULT_MODE);
        }

    }
}
