package io.shardcache.redis.internal;

import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.MeterRegistry;

/** Lettuce's Micrometer wiring, in a class of its own: loaded only when a registry is given. */
public final class LettuceMeters {

    private LettuceMeters() {
    }

    public static void recordLatencies(ClientResources.Builder resources, Object registry) {
        resources.commandLatencyRecorder(new MicrometerCommandLatencyRecorder((MeterRegistry) registry, MicrometerOptions.create()));
    }
}
