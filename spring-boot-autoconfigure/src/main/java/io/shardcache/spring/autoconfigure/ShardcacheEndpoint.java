package io.shardcache.spring.autoconfigure;

import io.shardcache.query.CachingDSL;
import io.shardcache.query.Region;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code shardcache} Actuator endpoint. Exposed as Actuator's other endpoints are (over HTTP only when
 * {@code management.endpoints.web.exposure.include} names it):
 * <ul>
 * <li>{@code GET /actuator/shardcache}: the backend, its health, and every region's settings and counts;</li>
 * <li>{@code GET /actuator/shardcache/{region}}: one region;</li>
 * <li>{@code DELETE /actuator/shardcache/{region}}: drops every entry of the region (O(1));</li>
 * <li>{@code POST /actuator/shardcache} with {@code {"tables": "public.items, public.orders"}}: tells every
 *     process that those tables were written outside shardcache.</li>
 * </ul>
 */
@Endpoint(id = "shardcache")
public class ShardcacheEndpoint {

    private final CachingDSL cached;

    public ShardcacheEndpoint(CachingDSL cached) {
        this.cached = cached;
    }

    @ReadOperation
    public Map<String, Object> cache() {
        Map<String, Object> out = new LinkedHashMap<>();
        io.shardcache.query.Health health = cached.health();
        out.put("backend", health.backend());
        out.put("health", health.status().name());
        if (!health.reasons().isEmpty())
            out.put("reasons", health.reasons());
        Map<String, Object> regions = new LinkedHashMap<>();
        for (Region r : cached.regions().all())
            regions.put(r.name(), describe(r));
        out.put("regions", regions);
        return out;
    }

    @ReadOperation
    public Map<String, Object> region(@Selector String region) {
        return describe(known(region));
    }

    @DeleteOperation
    public Map<String, Object> invalidateRegion(@Selector String region) {
        cached.invalidate(known(region).name());
        return Map.of("invalidated", region);
    }

    @WriteOperation
    public Map<String, Object> invalidateTables(String tables) {
        List<Table<?>> named = new ArrayList<>();
        for (String name : tables.split(",", -1)) {
            String t = name.strip();
            if (t.isEmpty())
                continue;
            named.add(DSL.table(DSL.name(t.split("\\.", -1))));
        }
        if (named.isEmpty())
            throw new InvalidEndpointRequestException("no table named in '" + tables + "'", "name tables, such as public.items");
        cached.invalidateTables(named.toArray(Table<?>[]::new));
        return Map.of("invalidated", named.stream().map(Table::toString).toList());
    }

    private Region known(String region) {
        try {
            return cached.regions().get(region);
        } catch (IllegalArgumentException e) {
            throw new InvalidEndpointRequestException(String.valueOf(e.getMessage()), "unknown region");
        }
    }

    private Map<String, Object> describe(Region r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ttl", r.ttl().toString());
        out.put("staleFor", r.staleFor().toString());
        out.put("asyncRefresh", r.asyncRefresh());
        out.put("lockWait", r.lockWait().toString());
        out.put("nearCacheEntries", r.nearCacheEntries());
        out.put("tableGenerations", r.tableGenerations());
        out.put("churnBypass", r.churnBypass());
        Map<String, Long> counts = new LinkedHashMap<>();
        cached.stats(r.name()).asMap().forEach((count, value) -> counts.put(count.label(), value));
        out.put("stats", counts);
        return out;
    }

}
