package io.shardcache.query;

import static io.shardcache.query.Items.ID;
import static io.shardcache.query.Items.ITEMS;
import static io.shardcache.query.Items.NAME;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardcache.testing.Eventually;
import io.shardcache.testing.ServicesExtension;
import io.shardcache.testing.TestSchema;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link CachingDSL#health()} on real PostgreSQL and a backend that can be taken down. */
@ExtendWith(ServicesExtension.class)
class HealthIT {

    private Db db;
    private CountingBackend backend;
    private CachingDSL cached;
    private final TestClock clock = new TestClock();

    @BeforeEach
    void setUp(TestSchema schema) throws Exception {
        db = new Db(schema, 2);
        backend = new CountingBackend(TestBackends.create(schema.name(), clock));
        cached = CachingDSL.builder(db.dsl, Regions.builder()
                .region("items")
                .region("near", r -> r.nearCache(100, Duration.ofMinutes(1)))
                .build())
            .backend(backend).circuitBreaker(3, Duration.ofMinutes(10)).clock(clock).build();
        // A Redis backend subscribes to change notifications in the background: DEGRADED until then.
        Eventually.await("UP", Duration.ofSeconds(10), cached::health, h -> h.status() == Health.Status.UP);
    }

    @AfterEach
    void tearDown() {
        cached.close();
        backend.close();
        db.close();
    }

    private String readName(int id) {
        return cached.fromCache("items").select(NAME).from(ITEMS).where(ID.eq(id)).fetchOne(NAME);
    }

    @Test
    void aHealthyBackendIsUpAfterOneCall() {
        int before = backend.calls.get();
        Health h = cached.health();
        assertThat(h.status()).isEqualTo(Health.Status.UP);
        assertThat(h.reasons()).isEmpty();
        assertThat(h.backend()).isEqualTo(backend.describe());
        assertThat(backend.calls.get() - before).as("backend calls of a health check").isEqualTo(1);
    }

    @Test
    void aBackendThatDoesNotAnswerIsDownAndAnOpenCircuitIsDownWithoutCallingIt() {
        backend.down.set(true);
        Health h = cached.health();
        assertThat(h.status()).isEqualTo(Health.Status.DOWN);
        assertThat(h.reasons()).singleElement().asString().contains("did not answer", "test backend is down");

        readName(1);
        readName(2);   // with the health check's, three failures in a row: the circuit opens
        int before = backend.calls.get();
        Health open = cached.health();
        assertThat(open.status()).isEqualTo(Health.Status.DOWN);
        assertThat(open.reasons()).singleElement().asString()
            .contains("circuit has been open", "after 3 consecutive failures", "reads run on the database", "test backend is down");
        assertThat(backend.calls.get()).as("an open circuit is not called").isEqualTo(before);
        assertThat(readName(3)).as("reads still get their rows").isEqualTo("item 3");
    }

    @Test
    void onceTheCircuitIsDueAProbeTheHealthCheckIsThatProbeAndClosesItWhenTheBackendIsBack() {
        backend.down.set(true);
        for (int i = 1; i <= 3; i++)
            readName(i);   // three failures in a row: the circuit opens
        assertThat(cached.health().status()).isEqualTo(Health.Status.DOWN);

        clock.advance(Duration.ofMinutes(10));   // openFor has passed: the next call is the probe
        int before = backend.calls.get();
        Health stillDown = cached.health();
        assertThat(stillDown.status()).isEqualTo(Health.Status.DOWN);
        assertThat(stillDown.reasons()).singleElement().asString().contains("did not answer", "test backend is down");
        assertThat(backend.calls.get() - before).as("the health check probed the backend").isEqualTo(1);
        before = backend.calls.get();
        assertThat(cached.health().reasons()).singleElement().asString().contains("circuit has been open");
        assertThat(backend.calls.get()).as("a failed probe opens the circuit for another openFor").isEqualTo(before);

        backend.down.set(false);
        clock.advance(Duration.ofMinutes(10));
        before = backend.calls.get();
        Health back = cached.health();
        assertThat(back.status()).as("a readiness check polling health() sees the backend back").isEqualTo(Health.Status.UP);
        assertThat(backend.calls.get() - before).isEqualTo(1);
        before = backend.calls.get();
        assertThat(readName(4)).isEqualTo("item 4");
        assertThat(backend.calls.get()).as("the probe closed the circuit: reads call the backend again").isGreaterThan(before);
    }

    @Test
    void failuresJustNowAndBumpsNotFlushedAreDegradedUntilAReadFlushesThem() {
        backend.down.set(true);
        cached.dsl().update(ITEMS).set(NAME, "renamed").where(ID.eq(1)).execute();   // both bumps fail: kept for a retry
        backend.down.set(false);

        Health h = cached.health();
        assertThat(h.status()).isEqualTo(Health.Status.DEGRADED);
        assertThat(h.reasons()).hasSize(2);
        assertThat(h.reasons().get(0)).contains("2 consecutive failures just now", "the circuit opens at 3");
        assertThat(h.reasons().get(1)).contains("generation bumps of earlier writes have not reached it");

        assertThat(readName(1)).isEqualTo("renamed");   // the read flushes the bumps first
        assertThat(cached.health().status()).isEqualTo(Health.Status.UP);
    }

    @Test
    void aNearCacheWhoseNotificationsStoppedIsDegradedUntilTheyFlowAgain() throws InterruptedException {
        assertThat(backend.watchers).as("the near cache watches the backend").hasSize(1);
        backend.watchers.getFirst().connectionChanged(false);
        Health h = cached.health();
        assertThat(h.status()).isEqualTo(Health.Status.DEGRADED);
        assertThat(h.reasons()).singleElement().asString().contains("near cache is bypassed");
        backend.watchers.getFirst().connectionChanged(true);
        assertThat(cached.health().status()).isEqualTo(Health.Status.UP);
    }
}
