package io.shardcache.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

class RegionsTest {

    @Test
    void defaultsAreTheDocumentedConstants() {
        Region r = Regions.builder().region("default").build().get("default");
        assertThat(r.ttl()).isEqualTo(Region.DEFAULT_TTL);
        assertThat(r.staleFor()).isEqualTo(Region.DEFAULT_STALE_FOR);
        assertThat(r.hardTtl()).isEqualTo(Region.DEFAULT_TTL);
        assertThat(r.asyncRefresh()).isEqualTo(Region.DEFAULT_ASYNC_REFRESH);
        assertThat(r.lockWait()).isEqualTo(Region.DEFAULT_LOCK_WAIT);
        assertThat(r.lockLease()).isEqualTo(Region.DEFAULT_LOCK_LEASE);
        assertThat(r.earlyRefresh()).isEqualTo(Region.DEFAULT_EARLY_REFRESH);
        assertThat(r.maxEntryBytes()).isEqualTo(Region.DEFAULT_MAX_ENTRY_BYTES);
        assertThat(r.compressAbove()).isEqualTo(Region.DEFAULT_COMPRESS_ABOVE);
        assertThat(r.onLockTimeout()).isEqualTo(OnLockTimeout.QUERY_DATABASE);
        assertThat(r.onBackendFailure()).isEqualTo(OnBackendFailure.QUERY_DATABASE);
    }

    @Test
    void settingsAreKept() {
        Region r = Regions.builder()
            .region("reports", b -> b.ttl(Duration.ofMinutes(10)).staleFor(Duration.ofHours(1)).asyncRefresh(true)
                .lockWait(Duration.ofSeconds(2)).lockLease(Duration.ofSeconds(120)).earlyRefresh(1.0)
                .maxEntryBytes(4096).compressAbove(512).onLockTimeout(OnLockTimeout.FAIL))
            .build().get("reports");
        assertThat(r.hardTtl()).isEqualTo(Duration.ofMinutes(70));
        assertThat(r.asyncRefresh()).isTrue();
        assertThat(r.lockLease()).isEqualTo(Duration.ofSeconds(120));
        assertThat(r.maxEntryBytes()).isEqualTo(4096);
        assertThat(r.onLockTimeout()).isEqualTo(OnLockTimeout.FAIL);
    }

    @Test
    void unknownRegionNamesTheKnownOnes() {
        Regions regions = Regions.builder().region("users").region("reports").build();
        assertThatThrownBy(() -> regions.get("user"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("unknown cache region 'user'; known regions: [users, reports]");
        CachingDSL cached = CachingDSL.wrap(DSL.using(SQLDialect.POSTGRES), regions);
        assertThatThrownBy(() -> cached.fromCache("nope"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("known regions: [users, reports]");
        assertThatThrownBy(() -> cached.invalidate("nope")).hasMessageContaining("unknown cache region 'nope'");
        assertThatThrownBy(() -> cached.stats("nope")).hasMessageContaining("unknown cache region 'nope'");
    }

    @Test
    void asyncRefreshWithoutStaleWindowFailsAtBuildNamingBoth() {
        Regions.Builder b = Regions.builder().region("r", r -> r.ttl(Duration.ofMinutes(5)).asyncRefresh(true));
        assertThatThrownBy(b::build)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("region 'r'")
            .hasMessageContaining("asyncRefresh(true) needs staleFor > 0")
            .hasMessageContaining("staleFor is unset (0s)");
    }

    @Test
    void anOptionMaySetOnlyOnce() {
        assertThatThrownBy(() -> Regions.builder().region("r", r -> r.ttl(Duration.ofMinutes(1)).ttl(Duration.ofMinutes(2))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("region 'r': ttl is already set to PT1M; each option may be set once");
    }

    @Test
    void badValuesFailWhenGiven() {
        assertThatThrownBy(() -> Regions.builder().region("r", r -> r.ttl(Duration.ZERO)))
            .hasMessage("region 'r': ttl must be positive, got PT0S");
        assertThatThrownBy(() -> Regions.builder().region("r", r -> r.staleFor(Duration.ofSeconds(-1))))
            .hasMessage("region 'r': staleFor must not be negative, got PT-1S");
        assertThatThrownBy(() -> Regions.builder().region("r", r -> r.lockLease(Duration.ZERO)))
            .hasMessageContaining("lockLease must be positive");
        assertThatThrownBy(() -> Regions.builder().region("r", r -> r.earlyRefresh(Double.NaN)))
            .hasMessageContaining("earlyRefresh must be a finite number >= 0, got NaN");
        assertThatThrownBy(() -> Regions.builder().region("r", r -> r.maxEntryBytes(0)))
            .hasMessageContaining("maxEntryBytes must be positive, got 0");
        assertThatThrownBy(() -> Regions.builder().region("r", r -> r.ttl(null)))
            .isInstanceOf(NullPointerException.class).hasMessage("ttl");
    }

    @Test
    void badNamesAndDuplicatesFail() {
        assertThatThrownBy(() -> Regions.builder().region("a:b"))
            .hasMessageContaining("region name 'a:b' is not valid");
        assertThatThrownBy(() -> Regions.builder().region(""))
            .hasMessageContaining("region name '' is not valid");
        assertThatThrownBy(() -> Regions.builder().region("a").region("a"))
            .hasMessage("cache region 'a' is defined twice");
        assertThatThrownBy(() -> Regions.builder().build())
            .hasMessageContaining("no cache regions defined");
    }

    @Test
    void emptyCustomKeyIsRefused() {
        CachingDSL cached = CachingDSL.wrap(DSL.using(SQLDialect.POSTGRES), Regions.builder().region("r").build());
        assertThatThrownBy(() -> cached.fromCache("r", ""))
            .hasMessage("custom cache key for region 'r' must not be null or empty");
    }

    @Test
    void builderOptionsMayBeSetOnce() {
        CachingDSL.Builder b = CachingDSL.builder(DSL.using(SQLDialect.POSTGRES), Regions.builder().region("r").build())
            .backend(InProcessCacheBackend.create());
        assertThatThrownBy(() -> b.backend(InProcessCacheBackend.create()))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("backend is already set");
    }
}
