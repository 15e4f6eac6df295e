package io.shardcache.redis;

import static io.shardcache.testing.Eventually.awaitWorking;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.RegenerationLocks;
import io.shardcache.redis.internal.LazyConnection;
import io.shardcache.testing.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rediss://}: a {@code redis-server} of this test's own that speaks TLS only, with a
 * certificate for 127.0.0.1 signed by a CA made for the run by {@code openssl}. With that CA trusted
 * ({@code trustedCertificates}) both clients verify the server; with another, or the JVM's defaults,
 * they refuse it. Entries, counters, change notifications (Lettuce)
 * and locks (Redisson) all go over TLS; a plain connection to it gets nowhere. Skipped only where
 * {@code openssl} or a TLS-enabled {@code redis-server} is not installed.
 */
class RedisTlsIT {

    private Path directory;
    private Process server;
    private int port;

    @BeforeEach
    void setUp() throws Exception {
        directory = Files.createTempDirectory("shardcache-tls-redis-");
        // A CA of the run's own signs the server's certificate (for 127.0.0.1); another CA signs nothing here.
        Assumptions.assumeTrue(run(directory, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "1", "-subj", "/CN=shardcache test CA"), "openssl is not installed");
        Files.writeString(directory.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        for (String[] step : List.of(
                new String[] {"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "server.csr",
                    "-subj", "/CN=127.0.0.1"},
                new String[] {"openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "cert.pem", "-days", "1", "-extfile", "san.ext"},
                new String[] {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key",
                    "-out", "other-ca.pem", "-days", "1", "-subj", "/CN=another CA"}))
            if (!run(directory, step))
                throw new AssertionError("openssl failed: " + String.join(" ", step));
        port = TcpProxy.freePort();
        server = new ProcessBuilder("redis-server", "--port", "0", "--tls-port", String.valueOf(port), "--tls-cert-file", "cert.pem",
            "--tls-key-file", "key.pem", "--tls-ca-cert-file", "ca.pem", "--tls-auth-clients", "no", "--save", "",
            "--appendonly", "no", "--bind", "127.0.0.1")
            .directory(directory.toFile()).redirectErrorStream(true).redirectOutput(directory.resolve("redis.log").toFile()).start();
        Eventually.await("redis-server with TLS ready", Duration.ofSeconds(10), () -> {
            Assumptions.assumeTrue(server.isAlive(), () -> "redis-server without TLS support: " + log());
            return Files.readString(directory.resolve("redis.log"));
        }, log -> log.contains("Ready to accept connections"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private String log() {
        try {
            return Files.readString(directory.resolve("redis.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean run(Path directory, String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private RedisCacheBackend backend(String scheme, String query) {
        return RedisCacheBackend.builder(scheme + "://127.0.0.1:" + port + query).keyPrefix("tls:")
            .commandTimeout(Duration.ofSeconds(1)).build();
    }

    @Test
    void entriesCountersNotificationsAndLocksGoOverTls() throws Exception {
        // The certificate is the run's own, so the peer is not verified; the traffic is encrypted all the same.
        try (RedisCacheBackend a = backend("rediss", "?verifyPeer=NONE"); RedisCacheBackend b = backend("rediss", "?verifyPeer=NONE")) {
            assertThat(a.describe()).startsWith("rediss://");
            Recorder heard = new Recorder();
            b.watch(heard);
            awaitWorking("a's first put over TLS", Duration.ofSeconds(15), CacheBackendException.class, () -> a.put("r", "r:0:k", new byte[] {3}, Duration.ofMinutes(1)));
            assertThat(b.get("r", "r:0:k")).containsExactly(3);
            Eventually.await("b's subscription over TLS", Duration.ofSeconds(10), () -> heard.events().contains("live"), heard::events);
            long value = a.incrementGenerations(List.of("table:items"))[0];
            Eventually.await("the increment heard over TLS pub/sub", Duration.ofSeconds(10),
                () -> heard.events().contains("G table:items=" + value), heard::events);

            RegenerationLocks.Lease lease = awaitLease(a.locks());
            assertThat(b.locks().tryAcquire("r:0:k:lock", Duration.ofSeconds(10))).as("held over TLS: not granted twice").isEmpty();
            lease.release();
        }
    }

    private static RegenerationLocks.Lease awaitLease(RegenerationLocks locks) throws Exception {
        AtomicReference<Optional<RegenerationLocks.Lease>> lease = new AtomicReference<>();
        awaitWorking("a lock over TLS", Duration.ofSeconds(15), CacheBackendException.class, () -> lease.set(locks.tryAcquire("r:0:k:lock", Duration.ofSeconds(10))));
        assertThat(lease.get()).as("a Redisson lock taken over TLS").isPresent();
        return lease.get().get();
    }

    @Test
    void aServerCertificateSignedByATrustedCaIsVerifiedByBothClients() throws Exception {
        try (RedisCacheBackend verified = RedisCacheBackend.builder("rediss://127.0.0.1:" + port).keyPrefix("tls:")
                .commandTimeout(Duration.ofSeconds(1)).trustedCertificates(directory.resolve("ca.pem")).build()) {
            awaitWorking("a verified put over TLS", Duration.ofSeconds(15), CacheBackendException.class, () -> verified.put("r", "r:0:v", new byte[] {5}, Duration.ofMinutes(1)));
            assertThat(verified.get("r", "r:0:v")).containsExactly(5);
            awaitLease(verified.locks()).release();   // Redisson verified the server too
        }
    }

    @Test
    void aServerCertificateNoTrustedCaSignedIsRefused() throws Exception {
        try (RedisCacheBackend untrusting = RedisCacheBackend.builder("rediss://127.0.0.1:" + port).keyPrefix("tls:")
                .commandTimeout(Duration.ofSeconds(1)).trustedCertificates(directory.resolve("other-ca.pem")).build()) {
            // Over several connection attempts (one per RETRY_AFTER), each a new handshake: every call fails.
            failsThroughout(LazyConnection.RETRY_AFTER.multipliedBy(5), () -> untrusting.get("r", "r:0:v"));
            assertThatThrownBy(() -> untrusting.locks().tryAcquire("r:0:v:lock", Duration.ofSeconds(10)))
                .isInstanceOf(CacheBackendException.class);
        }
        try (RedisCacheBackend jvmDefaults = backend("rediss", "")) {   // the JVM's trust store knows no test CA
            failsThroughout(LazyConnection.RETRY_AFTER.multipliedBy(2), () -> jvmDefaults.get("r", "r:0:v"));
        }
    }

    @Test
    void trustedCertificatesAreCheckedWhenGiven() throws Exception {
        Path empty = Files.writeString(directory.resolve("empty.pem"), "not a certificate\n");
        assertThatThrownBy(() -> RedisCacheBackend.builder("rediss://127.0.0.1:" + port).trustedCertificates(empty))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(empty.toString());
        assertThatThrownBy(() -> RedisCacheBackend.builder("rediss://127.0.0.1:" + port).trustedCertificates(directory.resolve("absent.pem")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absent.pem");
        assertThatThrownBy(() -> RedisCacheBackend.builder("redis://127.0.0.1:" + port).trustedCertificates(directory.resolve("ca.pem")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a rediss:// URI");
    }

    @Test
    void aPlainConnectionToTheTlsPortGetsNowhere() throws Exception {
        try (RedisCacheBackend plain = backend("redis", "")) {   // made without connecting: nothing fails yet
            failsThroughout(LazyConnection.RETRY_AFTER.multipliedBy(2), () -> plain.get("r", "r:0:k"));
            assertThatThrownBy(() -> plain.locks().tryAcquire("r:0:k:lock", Duration.ofSeconds(10)))
                .as("Redisson's plain connection gets nowhere either").isInstanceOf(CacheBackendException.class);
        }
    }

    /**
     * Calls {@code call} again and again for {@code span}, through several connection attempts: every
     * call must fail with a {@link CacheBackendException} (none may get through once a handshake ends).
     */
    private static void failsThroughout(Duration span, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        long end = System.nanoTime() + span.toNanos();
        int calls = 0;
        do {
            assertThatThrownBy(call).as("call %d", calls).isInstanceOf(CacheBackendException.class);
            calls++;
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));   // pacing, not waiting for anything
        } while (System.nanoTime() < end);
    }
}
