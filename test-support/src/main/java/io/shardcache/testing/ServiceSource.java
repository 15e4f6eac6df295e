package io.shardcache.testing;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where a test service came from, in the order {@link TestServices} tries them.
 *
 * <p>{@link #toString()} is the lower-case {@link #id()} ({@code env}, {@code loopback},
 * {@code testcontainers}, {@code embedded}), the same word {@code SHARDCACHE_SERVICES} accepts.
 */
public enum ServiceSource {
    /** The address in {@code SHARDCACHE_PG_URL} / {@code SHARDCACHE_REDIS_URL}. */
    ENV,
    /** A server on the standard port of 127.0.0.1 (5432, 6379). */
    LOOPBACK,
    /** A container started through Testcontainers on a local Docker engine. */
    TESTCONTAINERS,
    /** A server process started from binaries shipped in Maven artifacts. */
    EMBEDDED;

    /** The lower-case name used in logs and in {@code SHARDCACHE_SERVICES}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return id();
    }

    /**
     * Parses a value of {@code SHARDCACHE_SERVICES}: blank means "no source forced", anything else must
     * be one of the {@link #id() ids} (case-insensitive).
     *
     * @throws TestServicesException naming the bad value and the accepted ones
     */
    public static Optional<ServiceSource> parseForced(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String wanted = value.strip().toLowerCase(Locale.ROOT);
        return Optional.of(Arrays.stream(values())
                .filter(source -> source.id().equals(wanted))
                .findFirst()
                .orElseThrow(() -> new TestServicesException("SHARDCACHE_SERVICES=" + value
                        + " names no source; use one of "
                        + Arrays.stream(values()).map(ServiceSource::id).collect(Collectors.joining(", "))
                        + ", or leave it unset to try them all in that order")));
    }
}
