package io.shardcache.sharding;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What every logical shard of a fan-out did, in shard order: the values of the shards that answered, the
 * errors of those that did not, and how long each took. An immutable value (the per-shard values are the
 * function's own objects).
 *
 * @param outcomes one outcome per logical shard, ordered by shard
 * @param elapsed  from the start of the fan-out until the last outcome was known
 * @param <T>      the type of the per-shard value
 */
public record FanOutResult<T extends @Nullable Object>(List<ShardOutcome<T>> outcomes, Duration elapsed) {

    public FanOutResult {
        outcomes = List.copyOf(outcomes);
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** The shards that answered, in shard order. */
    public List<ShardOutcome.Answered<T>> answers() {
        List<ShardOutcome.Answered<T>> out = new ArrayList<>(outcomes.size());
        for (ShardOutcome<T> o : outcomes)
            if (o instanceof ShardOutcome.Answered<T> a)
                out.add(a);
        return Collections.unmodifiableList(out);
    }

    /** The values of the shards that answered, in shard order; {@code null} where the function returned it. */
    public List<T> values() {
        List<T> out = new ArrayList<>(outcomes.size());
        for (ShardOutcome<T> o : outcomes)
            if (o instanceof ShardOutcome.Answered<T> a)
                out.add(a.value());
        return Collections.unmodifiableList(out);
    }

    /** The shards that failed, timed out or were not run, in shard order. */
    public List<ShardOutcome.Failed<T>> failures() {
        List<ShardOutcome.Failed<T>> out = new ArrayList<>();
        for (ShardOutcome<T> o : outcomes)
            if (o instanceof ShardOutcome.Failed<T> f)
                out.add(f);
        return Collections.unmodifiableList(out);
    }

    /** The logical shards that did not answer, ascending. */
    public List<Integer> missingShards() {
        return failures().stream().map(ShardOutcome::shard).toList();
    }

    /** Whether every shard answered. */
    public boolean isComplete() {
        for (ShardOutcome<T> o : outcomes)
            if (o instanceof ShardOutcome.Failed<T>)
                return false;
        return true;
    }
}
