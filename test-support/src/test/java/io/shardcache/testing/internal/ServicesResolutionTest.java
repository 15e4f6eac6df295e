package io.shardcache.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.testing.PostgresService;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServiceSource;
import io.shardcache.testing.TestServicesException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ServicesResolutionTest {
    private final List<String> announced = new ArrayList<>();
    private final List<ServiceSource> tried = new ArrayList<>();

    // PostgreSQL URLs
    @Test
    void jdbcFormCarriesCredentialsAndParameters() {
        PostgresService service = Urls.parsePostgres(Settings.PG_URL,
                "jdbc:postgresql://db.example:6543/app?user=alice&password=s%3Dcret&sslmode=require");

        assertThat(service.source()).isEqualTo(ServiceSource.ENV);
        assertThat(service.host()).isEqualTo("db.example");
        assertThat(service.port()).isEqualTo(6543);
        assertThat(service.database()).isEqualTo("app");
        assertThat(service.user()).isEqualTo("alice");
        assertThat(service.password()).isEqualTo("s=cret");
        assertThat(service.parameters()).containsExactly(Map.entry("sslmode", "require"));
        assertThat(service.jdbcUrl())
                .isEqualTo("jdbc:postgresql://db.example:6543/app?user=alice&password=s%3Dcret&sslmode=require");
        assertThat(service.jdbcUrl("shard_2"))
                .isEqualTo("jdbc:postgresql://db.example:6543/shard_2?user=alice&password=s%3Dcret&sslmode=require");
    }

    @Test
    void uriFormReadsUserInfo() {
        PostgresService service = Urls.parsePostgres(Settings.PG_URL,
                "postgresql://alice:p%40ss+word@db.example:6543/app");

        assertThat(service.user()).isEqualTo("alice");
        assertThat(service.password()).isEqualTo("p@ss+word");
        assertThat(service.address()).isEqualTo("db.example:6543/app");
        // '+' must survive the round trip through pgjdbc's URL decoding.
        assertThat(service.jdbcUrl()).endsWith("password=p%40ss%2Bword");
    }

    @Test
    void missingPartsTakeTheDefaults() {
        PostgresService service = Urls.parsePostgres(Settings.PG_URL, "postgres://db.example");

        assertThat(service.port()).isEqualTo(5432);
        assertThat(service.database()).isEqualTo("postgres");
        assertThat(service.user()).isEqualTo("postgres");
        assertThat(service.password()).isEmpty();
    }

    @Test
    void ipv6HostIsBracketedOnlyInsideUrls() {
        PostgresService service = Urls.parsePostgres(Settings.PG_URL, "postgresql://bob@[::1]:5433/x");

        assertThat(service.host()).isEqualTo("::1");
        assertThat(service.jdbcUrl()).startsWith("jdbc:postgresql://[::1]:5433/x?user=bob");
    }

    @Test
    void unusableUrlsAreRejectedWithoutShowingThePassword() {
        assertThatThrownBy(() -> Urls.parsePostgres(Settings.PG_URL, "mysql://root:hunter2@db/app"))
                .isInstanceOf(TestServicesException.class)
                .hasMessageContaining("SHARDCACHE_PG_URL=mysql://root:***@db/app")
                .hasMessageContaining("jdbc:postgresql://host[:port]/db")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> Urls.parsePostgres(Settings.PG_URL,
                "jdbc:postgresql://a:1,b:2/app?password=hunter2"))
                .hasMessageContaining("exactly one host")
                .hasMessageNotContaining("hunter2");
    }

    // Redis URLs
    @Test
    void plainAddress() {
        RedisService service = Urls.parseRedis(Settings.REDIS_URL, "redis://10.0.0.7:6380");

        assertThat(service.host()).isEqualTo("10.0.0.7");
        assertThat(service.port()).isEqualTo(6380);
        assertThat(service.password()).isEmpty();
        assertThat(service.uri()).isEqualTo("redis://10.0.0.7:6380");
    }

    @Test
    void credentials() {
        RedisService passwordOnly = Urls.parseRedis(Settings.REDIS_URL, "redis://:s3cret@cache");
        RedisService acl = Urls.parseRedis(Settings.REDIS_URL, "redis://app:s%20cret@cache:7000");

        assertThat(passwordOnly.user()).isEmpty();
        assertThat(passwordOnly.password()).isEqualTo("s3cret");
        assertThat(passwordOnly.port()).isEqualTo(6379);
        assertThat(acl.user()).isEqualTo("app");
        assertThat(acl.password()).isEqualTo("s cret");
        assertThat(acl.uri()).isEqualTo("redis://app:s%20cret@cache:7000");
        assertThat(acl.toString()).doesNotContain("cret");
    }

    @Test
    void unsupportedFormsAreRejected() {
        assertThatThrownBy(() -> Urls.parseRedis(Settings.REDIS_URL, "rediss://cache:6380"))
                .isInstanceOf(TestServicesException.class).hasMessageContaining("TLS");
        assertThatThrownBy(() -> Urls.parseRedis(Settings.REDIS_URL, "redis://cache:6380/3"))
                .hasMessageContaining("SHARDCACHE_REDIS_URL").hasMessageContaining("key prefix");
    }

    // Forcing one source
    @Test
    void blankMeansNoneForced() {
        assertThat(ServiceSource.parseForced(null)).isEmpty();
        assertThat(ServiceSource.parseForced("  ")).isEmpty();
        assertThat(Settings.of(Map.of()).forcedSource()).isEmpty();
    }

    @Test
    void namesAreCaseInsensitive() {
        assertThat(ServiceSource.parseForced(" Embedded ")).contains(ServiceSource.EMBEDDED);
        assertThat(Settings.of(Map.of(Settings.SERVICES, "loopback")).forcedSource())
                .contains(ServiceSource.LOOPBACK);
        assertThat(ServiceSource.parseForced("TESTCONTAINERS")).contains(ServiceSource.TESTCONTAINERS);
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> ServiceSource.parseForced("docker"))
                .isInstanceOf(TestServicesException.class)
                .hasMessageContaining("SHARDCACHE_SERVICES=docker")
                .hasMessageContaining("env, loopback, testcontainers, embedded");
    }

    @Test
    void systemPropertyWinsOverEnvironmentVariable() {
        String variable = System.getenv().keySet().iterator().next();
        String before = System.getProperty(variable);
        System.setProperty(variable, "from-property");
        try {
            assertThat(Settings.fromSystem().get(variable)).contains("from-property");
        } finally {
            if (before == null) {
                System.clearProperty(variable);
            } else {
                System.setProperty(variable, before);
            }
        }
    }

    @Test
    void planFollowsForcedSourceThenConfiguredAddressThenDefaultOrder() {
        assertThat(Resolver.plan(Optional.empty(), false)).containsExactly(ServiceSource.ENV,
                ServiceSource.LOOPBACK, ServiceSource.TESTCONTAINERS, ServiceSource.EMBEDDED);
        assertThat(Resolver.plan(Optional.empty(), true)).containsExactly(ServiceSource.ENV);
        assertThat(Resolver.plan(Optional.of(ServiceSource.EMBEDDED), true)).containsExactly(ServiceSource.EMBEDDED);
    }

    // Resolution order and the error when everything fails

    @Test
    void whenEverySourceFailsTheErrorExplainsEachInOrder() {
        Map<ServiceSource, Resolver.Attempt<String>> attempts = attempts(Map.of(
                ServiceSource.ENV, new SourceUnavailable("SHARDCACHE_PG_URL is not set"),
                ServiceSource.LOOPBACK, new SourceUnavailable("nothing answers on 127.0.0.1:5432"),
                ServiceSource.TESTCONTAINERS, new SourceUnavailable("no Docker engine found"),
                ServiceSource.EMBEDDED, new IllegalStateException("initdb failed with exit code 1")));

        assertThatThrownBy(() -> resolver(Map.of()).resolve("PostgreSQL", Settings.PG_URL, attempts, s -> s))
                .isInstanceOf(TestServicesException.class)
                .hasMessage("""
                        No PostgreSQL for the tests. Tried, in order:
                          - env: SHARDCACHE_PG_URL is not set
                          - loopback: nothing answers on 127.0.0.1:5432
                          - testcontainers: no Docker engine found
                          - embedded: IllegalStateException: initdb failed with exit code 1
                        Start PostgreSQL on its standard loopback port, or set SHARDCACHE_PG_URL (system \
                        property or environment variable) to a server's address.""")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .isInstanceOf(IllegalStateException.class));
        assertThat(tried).containsExactly(ServiceSource.ENV, ServiceSource.LOOPBACK,
                ServiceSource.TESTCONTAINERS, ServiceSource.EMBEDDED);
        assertThat(announced).isEmpty();
    }

    @Test
    void firstWorkingSourceWinsAndLaterOnesAreNotTouched() {
        Map<ServiceSource, Resolver.Attempt<String>> attempts = attempts(Map.of(
                ServiceSource.ENV, new SourceUnavailable("SHARDCACHE_REDIS_URL is not set")));

        String found = resolver(Map.of()).resolve("Redis", Settings.REDIS_URL, attempts, s -> s);

        assertThat(found).isEqualTo("127.0.0.1:6379 from loopback");
        assertThat(tried).containsExactly(ServiceSource.ENV, ServiceSource.LOOPBACK);
        assertThat(announced).containsExactly(
                "shardcache test services: Redis from loopback 127.0.0.1:6379 from loopback");
    }

    @Test
    void configuredAddressIsTheOnlySourceTried() {
        Map<ServiceSource, Resolver.Attempt<String>> attempts = attempts(Map.of(
                ServiceSource.ENV, new SourceUnavailable("nothing answers on db.example:5432")));

        assertThatThrownBy(() -> resolver(Map.of(Settings.PG_URL, "postgresql://db.example/app"))
                .resolve("PostgreSQL", Settings.PG_URL, attempts, s -> s))
                .hasMessageContaining("  - env: nothing answers on db.example:5432\n")
                .hasMessageContaining("SHARDCACHE_PG_URL is set, so no other source was tried");
        assertThat(tried).containsExactly(ServiceSource.ENV);
    }

    @Test
    void forcedSourceIsTheOnlySourceTried() {
        Map<ServiceSource, Resolver.Attempt<String>> attempts = attempts(Map.of(
                ServiceSource.EMBEDDED, new SourceUnavailable("no binaries")));

        assertThatThrownBy(() -> resolver(Map.of(Settings.SERVICES, "embedded", Settings.PG_URL, "postgres://x"))
                .resolve("PostgreSQL", Settings.PG_URL, attempts, s -> s))
                .hasMessageContaining("  - embedded: no binaries\n")
                .hasMessageContaining("SHARDCACHE_SERVICES=embedded restricts the search");
        assertThat(tried).containsExactly(ServiceSource.EMBEDDED);
    }

    @Test
    void aFailedSearchIsRememberedAndNotRepeated() {
        AtomicInteger searches = new AtomicInteger();
        Once<String> once = new Once<>(() -> {
            searches.incrementAndGet();
            throw new TestServicesException("No Redis for the tests.");
        });

        assertThatThrownBy(once::get).hasMessage("No Redis for the tests.");
        assertThatThrownBy(once::get).hasMessage("No Redis for the tests.")
                .cause().hasMessage("No Redis for the tests.");
        assertThat(searches).hasValue(1);
    }

    private Resolver resolver(Map<String, String> settings) {
        return new Resolver(Settings.of(settings), announced::add);
    }

    /** Sources with a failure throw it; the others succeed with "<address> from <source>". */
    private Map<ServiceSource, Resolver.Attempt<String>> attempts(Map<ServiceSource, Exception> failures) {
        Map<ServiceSource, Resolver.Attempt<String>> attempts = new EnumMap<>(ServiceSource.class);
        for (ServiceSource source : ServiceSource.values()) {
            attempts.put(source, () -> {
                tried.add(source);
                if (failures.containsKey(source)) {
                    throw failures.get(source);
                }
                return "127.0.0.1:6379 from " + source;
            });
        }
        return attempts;
    }
}
