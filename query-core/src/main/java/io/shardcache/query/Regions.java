package io.shardcache.query;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The cache regions of an application, configured in code and immutable once built.
 *
 * <pre>{@code
 * Regions regions = Regions.builder()
 *     .region("default", r -> r.ttl(Duration.ofHours(2)))
 *     .region("reports", r -> r.ttl(Duration.ofMinutes(10)).staleFor(Duration.ofHours(1)).asyncRefresh(true))
 *     .build();
 * }</pre>
 *
 * <p>Bad settings fail when they are given or at {@link Builder#build()}, never later: an invalid
 * or duplicate name, a negative duration, an option set twice, {@code asyncRefresh} without a
 * stale window. Thread-safe.
 */
public final class Regions {

    private final Map<String, Region> regions;

    private Regions(Map<String, Region> regions) {
        this.regions = regions;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The region of that name.
     *
     * @throws IllegalArgumentException naming the known regions if there is none
     */
    public Region get(String name) {
        Region r = regions.get(name);
        if (r == null)
            throw new IllegalArgumentException("unknown cache region '" + name + "'; known regions: " + regions.keySet());
        return r;
    }

    public Collection<Region> all() {
        return regions.values();
    }

    @Override
    public String toString() {
        return "Regions" + regions.values();
    }

    /** Collects regions; see {@link Regions}. */
    public static final class Builder {
        private final Map<String, Region.Builder> builders = new LinkedHashMap<>();

        private Builder() {
        }

        /** Adds a region configured by {@code settings}; its name must be new. */
        public Builder region(String name, Consumer<Region.Builder> settings) {
            Region.checkName(name);
            Objects.requireNonNull(settings, "settings");
            if (builders.containsKey(name))
                throw new IllegalArgumentException("cache region '" + name + "' is defined twice");
            Region.Builder b = new Region.Builder(name);
            settings.accept(b);
            builders.put(name, b);
            return this;
        }

        /** Adds a region with every default. */
        public Builder region(String name) {
            return region(name, r -> { });
        }

        public Regions build() {
            if (builders.isEmpty())
                throw new IllegalArgumentException("no cache regions defined: add at least one with region(name, settings)");
            Map<String, Region> built = new LinkedHashMap<>();
            builders.forEach((name, b) -> built.put(name, b.build()));
            return new Regions(java.util.Collections.unmodifiableMap(built));
        }
    }
}
