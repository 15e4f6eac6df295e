package io.shardcache.testing.internal;

import io.shardcache.testing.TestServicesException;
import java.util.function.Supplier;

/**
 * Computes a value on first use, once per JVM, and remembers a failure as well as a success: when no
 * service can be found, every later test fails at once with the same explanation instead of spending the
 * search time again. Thread-safe; callers that arrive during the computation wait for it.
 * Not for use outside shardcache's test-support.
 */
public final class Once<T> {
    private final Supplier<T> computation;
    private T value;
    private RuntimeException failure;

    public Once(Supplier<T> computation) {
        this.computation = computation;
    }

    public synchronized T get() {
        if (value == null && failure == null) {
            try {
                value = computation.get();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure != null) {
            // A fresh exception, so each failing test shows its own stack with the first failure as cause.
            throw new TestServicesException(failure.getMessage(), failure);
        }
        return value;
    }
}
