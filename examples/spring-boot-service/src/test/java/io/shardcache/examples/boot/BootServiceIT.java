package io.shardcache.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.shardcache.query.CachingDSL;
import io.shardcache.testing.EmbeddedRedisServer;
import io.shardcache.testing.EmbeddedServices;
import io.shardcache.testing.PostgresService;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.TestServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example service started on a random port, called over HTTP as a client would: cached reads, a
 * transactional write and the reads after it, a write that rolls back, Actuator's health, meters and
 * endpoint, and then Redis stopped under it. PostgreSQL is the shared test server (a schema of this test's
 * own); Redis is a server of this test's own, so that it can be stopped.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BootServiceIT {

    private static final String SCHEMA = "boot_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private static final EmbeddedRedisServer REDIS = EmbeddedServices.startRedis();
    private static final Pattern NUMBER = Pattern.compile("\"balance\":(-?\\d+)");

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    private int port;

    @Autowired
    private CachingDSL cached;

    @Autowired
    private Recorded recorded;

    /** Every observation the application stops, as a tracer's handler would see them. */
    static final class Recorded implements ObservationHandler<Observation.Context> {
        final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }

        @Override
        public void onStop(Observation.Context context) {
            stopped.add(context);
        }
    }

    @TestConfiguration
    static class Observations {
        @Bean
        Recorded recorded() {
            return new Recorded();
        }
    }

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        PostgresService pg = TestServices.postgres();
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("create schema " + SCHEMA);
        }
        registry.add("spring.datasource.url", () -> pg.withParameter("currentSchema", SCHEMA).jdbcUrl());
        registry.add("spring.datasource.username", pg::user);
        registry.add("spring.datasource.password", pg::password);
        registry.add("shardcache.redis.uri", () -> REDIS.service().uri());
        registry.add("shardcache.redis.key-prefix", () -> RedisService.uniquePrefix("boot-service"));
        registry.add("shardcache.redis.command-timeout", () -> "300ms");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        REDIS.close();
        try (Connection c = TestServices.postgres().connect(); Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + SCHEMA + " cascade");
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long balance(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Matcher m = NUMBER.matcher(response.body());
        assertThat(m.find()).as(response.body()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    @Order(1)
    void aCachedAggregateIsReadOnceFromPostgres_thenServedFromRedis() throws Exception {
        HttpResponse<String> first = get("/branches/totals");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).contains("\"3\":1000000");
        assertThat(get("/branches/totals").body()).isEqualTo(first.body());
        assertThat(cached.stats("reports").regenerations()).isEqualTo(1);
        assertThat(cached.stats("reports").hits()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void aTransactionalWriteIsSeenByTheNextReads() throws Exception {
        assertThat(balance(get("/accounts/13"))).isEqualTo(1000);
        assertThat(balance(post("/accounts/13/deposit?amount=250"))).isEqualTo(1250);
        assertThat(balance(get("/accounts/13"))).as("the row after the write").isEqualTo(1250);
        assertThat(get("/branches/totals").body()).as("the aggregate after the write").contains("\"3\":1000250");
    }

    @Test
    @Order(3)
    void aWriteThatRollsBackLeavesTheReadsAsTheyWere() throws Exception {
        assertThat(balance(get("/accounts/14"))).isEqualTo(1000);
        HttpResponse<String> refused = post("/accounts/14/deposit?amount=-5000");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(balance(get("/accounts/14"))).isEqualTo(1000);
        assertThat(get("/branches/totals").body()).contains("\"4\":1000000");
    }

    @Test
    @Order(4)
    void actuatorShowsHealthMetersAndTheRegions() throws Exception {
        HttpResponse<String> health = get("/actuator/health/shardcache");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("127.0.0.1:" + REDIS.service().port());
        HttpResponse<String> hits = get("/actuator/metrics/shardcache.cache.gets?tag=result:hit&tag=region:reports");
        assertThat(hits.statusCode()).as(hits.body()).isEqualTo(200);
        assertThat(hits.body()).contains("\"statistic\":\"COUNT\"");
        HttpResponse<String> regions = get("/actuator/shardcache");
        assertThat(regions.statusCode()).as(regions.body()).isEqualTo(200);
        assertThat(regions.body()).contains("\"reports\"").contains("\"accounts\"").contains("\"hits\"");
    }

    @Test
    @Order(5)
    void aReadIsAnObservationUnderTheRequests_withItsRegionAndOutcome() throws Exception {
        recorded.stopped.clear();
        assertThat(get("/accounts/16").statusCode()).isEqualTo(200);
        Observation.Context read = recorded.stopped.stream().filter(c -> c.getName().equals("shardcache.read"))
            .findFirst().orElseThrow(() -> new AssertionError("no shardcache.read among " + recorded.stopped));
        assertThat(read.getLowCardinalityKeyValue("shardcache.region").getValue()).isEqualTo("accounts");
        assertThat(read.getLowCardinalityKeyValue("shardcache.outcome").getValue()).isEqualTo("miss");
        assertThat(read.getLowCardinalityKeyValue("db.system.name").getValue()).isEqualTo("postgresql");
        assertThat(read.getLowCardinalityKeyValue("db.namespace").getValue()).isEqualTo(TestServices.postgres().database());
        Observation.ContextView parent = read.getParentObservation() == null ? null : read.getParentObservation().getContextView();
        assertThat(parent).as("the read under the HTTP request's observation").isNotNull();
        assertThat(parent.getName()).isEqualTo("http.server.requests");
        assertThat(recorded.stopped).extracting(Observation.Context::getName)
            .contains("shardcache.lock.wait", "shardcache.regenerate");
    }

    @Test
    @Order(6)
    void withRedisStoppedReadsStillAnswerFromPostgres_andHealthSaysDown() throws Exception {
        REDIS.close();
        assertThat(get("/branches/totals").body()).contains("\"3\":1000250");
        assertThat(balance(post("/accounts/15/deposit?amount=1"))).isEqualTo(1001);
        assertThat(balance(get("/accounts/15"))).isEqualTo(1001);
        HttpResponse<String> health = get("/actuator/health/shardcache");
        assertThat(health.body().toUpperCase(Locale.ROOT)).contains("\"STATUS\":\"DOWN\"");
    }
}
