package io.shardcache.query.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.query.InProcessCacheBackend;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingCacheBackendTest {

    @Test
    void forwardsEveryMethodOfTheSpiIncludingDefaults() {
        // A default left to the interface would bypass the delegate: read()'s default makes a call per
        // counter where Redis makes one MGET, so a decorator would change what it decorates.
        List<String> missing = new ArrayList<>();
        for (Method m : CacheBackend.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()))
                continue;
            try {
                ForwardingCacheBackend.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException e) {
                missing.add(m.getName());
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void callsReachTheDelegate() {
        try (CacheBackend delegate = InProcessCacheBackend.create();
             CacheBackend forwarding = new ForwardingCacheBackend(delegate) { }) {
            forwarding.put("r", "r:0:k", new byte[] {7}, Duration.ofMinutes(1));
            assertThat(delegate.get("r", "r:0:k")).containsExactly(7);
            assertThat(forwarding.incrementGeneration("region:r")).isEqualTo(1);
            CacheBackend.Read read = forwarding.read("r", "r:0:k", List.of("region:r", "soft:r"));
            assertThat(read.generations()).containsExactly(1, 0);
            assertThat(read.entry()).containsExactly(7);
            assertThat(forwarding.incrementGenerations(List.of("t", "region:r"))).containsExactly(1, 2);
            assertThat(forwarding.putIfGenerations("r", "r:0:k", new byte[] {8}, Duration.ofMinutes(1), List.of("t"), new long[] {0}))
                .as("t moved to 1: not stored").isFalse();
            assertThat(delegate.get("r", "r:0:k")).containsExactly(7);
            assertThat(forwarding.putIfGenerations("r", "r:0:k", new byte[] {8}, Duration.ofMinutes(1), List.of("t"), new long[] {1}))
                .isTrue();
            assertThat(delegate.get("r", "r:0:k")).containsExactly(8);
            assertThat(forwarding.describe()).isEqualTo(delegate.describe());
        }
    }
}
