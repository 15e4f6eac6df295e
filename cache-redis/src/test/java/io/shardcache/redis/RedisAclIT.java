package io.shardcache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.AclSetuserArgs;
import io.shardcache.query.CacheBackendException;
import io.shardcache.query.spi.RegenerationLocks;
import io.shardcache.testing.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An ACL user with a password, on a server of this test's own whose default user is switched off:
 * entries, counters, locks (Redisson) and change notifications (pub/sub) all work with the user's
 * credentials from the URI, and a wrong or missing password fails with a message that never shows it.
 */
class RedisAclIT {

    private static final String PASSWORD = "s3cret-Pa55";

    private KillableRedis own;
    private RawRedis raw;
    private String host;
    private int port;

    @BeforeEach
    void setUp() throws Exception {
        own = KillableRedis.start();
        host = own.service().host();
        port = own.service().port();
        raw = new RawRedis(own.service());
        raw.commands().aclSetuser("app", AclSetuserArgs.Builder.on().addPassword(PASSWORD).allKeys().allChannels().allCommands());
        raw.commands().aclSetuser("default", AclSetuserArgs.Builder.off());   // from now on, only app can log in
    }

    @AfterEach
    void tearDown() throws Exception {
        raw.close();
        own.close();
    }

    private RedisCacheBackend backend(String userInfo) {
        return RedisCacheBackend.builder("redis://" + userInfo + host + ":" + port).keyPrefix("acl:")
            .commandTimeout(Duration.ofSeconds(1)).build();
    }

    @Test
    void anAclUserReachesEntriesCountersLocksAndNotifications() throws Exception {
        try (RedisCacheBackend a = backend("app:" + PASSWORD + "@"); RedisCacheBackend b = backend("app:" + PASSWORD + "@")) {
            Recorder heard = new Recorder();
            b.watch(heard);
            Eventually.await("b's subscription", Duration.ofSeconds(10), () -> heard.events().contains("live"), heard::events);
            Eventually.awaitWorking("a's first put", Duration.ofSeconds(15), CacheBackendException.class,
                () -> a.put("r", "r:0:k", new byte[] {7}, Duration.ofMinutes(1)));
            assertThat(b.get("r", "r:0:k")).containsExactly(7);

            long value = a.incrementGenerations(List.of("table:items"))[0];
            Eventually.await("the increment's notification", Duration.ofSeconds(10), () -> heard.events().contains("G table:items=" + value),
                heard::events);

            RegenerationLocks locks = a.locks();
            Optional<RegenerationLocks.Lease> lease = locks.tryAcquire("r:0:k:lock", Duration.ofSeconds(10));
            assertThat(lease).as("a Redisson lock taken with the ACL user").isPresent();
            assertThat(b.locks().tryAcquire("r:0:k:lock", Duration.ofSeconds(10))).as("held: not granted twice").isEmpty();
            lease.get().release();
            Optional<RegenerationLocks.Lease> again = b.locks().tryAcquire("r:0:k:lock", Duration.ofSeconds(10));
            assertThat(again).isPresent();
            again.get().release();
        }
    }

    @Test
    void aWrongOrMissingPasswordFailsWithoutShowingIt() throws Exception {
        for (String userInfo : List.of("app:wrong-" + PASSWORD + "@", "")) {
            try (RedisCacheBackend b = backend(userInfo)) {
                // The connection is made in the background: what fails must be that attempt, not the wait for it.
                Eventually.await("the end of b's first connection attempt", Duration.ofSeconds(10),
                    () -> failureOf(() -> b.get("r", "r:0:k")), failure -> !failure.contains("still connecting"));
                assertThatThrownBy(() -> b.get("r", "r:0:k"))
                    .isInstanceOf(CacheBackendException.class)
                    .hasMessageContaining(host + ":" + port)
                    .satisfies(e -> assertThat(messages(e)).doesNotContain(PASSWORD));
            } catch (RuntimeException e) {   // or refused at start-up, by Redisson's handshake
                assertThat(messages(e)).doesNotContain(PASSWORD);
            }
        }
    }

    /** What {@code call} threw, as {@link #messages}; "none" if it threw nothing. */
    private static String failureOf(Runnable call) {
        try {
            call.run();
            return "none";
        } catch (CacheBackendException e) {
            return messages(e);
        }
    }

    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause())
            all.append(t).append('\n');
        return all.toString();
    }
}
