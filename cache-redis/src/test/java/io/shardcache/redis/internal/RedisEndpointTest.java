package io.shardcache.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.redisson.config.Config;
import org.redisson.config.SslVerificationMode;

/** Parsing a Redis URI once, for both clients, without ever showing its password. */
class RedisEndpointTest {

    @Test
    void aPlainUriGetsTheDefaultPort() {
        RedisEndpoint e = RedisEndpoint.parse("redis://127.0.0.1");
        assertThat(e.address()).isEqualTo("127.0.0.1:6379");
        assertThat(e.describe()).isEqualTo("redis://127.0.0.1:6379");
    }

    @Test
    void userPasswordDatabaseAndTlsReachBothClients() {
        RedisEndpoint e = RedisEndpoint.parse("rediss://alice:p%40ss-word@cache.example.com:6380/2");
        assertThat(e.describe()).isEqualTo("rediss://cache.example.com:6380/2");

        RedisURI lettuce = e.lettuceUri(Duration.ofMillis(150));
        assertThat(lettuce.getTimeout()).isEqualTo(Duration.ofMillis(150));
        assertThat(lettuce.isSsl()).isTrue();
        assertThat(lettuce.getDatabase()).isEqualTo(2);
        RedisCredentials credentials = lettuce.getCredentialsProvider().resolveCredentials().block();
        assertThat(credentials.getUsername()).isEqualTo("alice");
        assertThat(new String(credentials.getPassword())).isEqualTo("p@ss-word");

        Config redisson = new Config();
        e.configure(redisson);
        assertThat(redisson.useSingleServer().getAddress()).isEqualTo("rediss://cache.example.com:6380");
        assertThat(redisson.useSingleServer().getDatabase()).isEqualTo(2);
        assertThat(redisson.getUsername()).isEqualTo("alice");
        assertThat(redisson.getPassword()).isEqualTo("p@ss-word");
        assertThat(redisson.getSslVerificationMode()).isEqualTo(SslVerificationMode.STRICT);
    }

    @Test
    void aPasswordWithoutUserAndPeerVerificationOff() {
        RedisEndpoint e = RedisEndpoint.parse("rediss://:only-pw@h.example:7000?verifyPeer=NONE");
        Config redisson = new Config();
        e.configure(redisson);
        assertThat(redisson.getUsername()).isNull();
        assertThat(redisson.getPassword()).isEqualTo("only-pw");
        assertThat(redisson.getSslVerificationMode()).isEqualTo(SslVerificationMode.NONE);
    }

    @Test
    void anIpv6HostIsBracketed() {
        RedisEndpoint e = RedisEndpoint.parse("redis://[::1]:6390");
        assertThat(e.address()).isEqualTo("[::1]:6390");
        Config redisson = new Config();
        e.configure(redisson);
        assertThat(redisson.useSingleServer().getAddress()).isEqualTo("redis://[::1]:6390");
    }

    @Test
    void thePasswordIsMaskedInParseErrorsAndScrubbedFromMessages() {
        assertThatThrownBy(() -> RedisEndpoint.parse("redis://bob:hunter22@no_such_host:6379"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'redis://***@no_such_host:6379'")
            .message().doesNotContain("hunter22").doesNotContain("bob");
        RedisEndpoint e = RedisEndpoint.parse("redis://bob:hunter22@h:1");
        assertThat(e.scrub("AUTH failed for hunter22")).isEqualTo("AUTH failed for ***");
        assertThat(e.toString()).isEqualTo("redis://h:1");
    }

    @Test
    void unsupportedFormsAreRefusedByName() {
        assertThatThrownBy(() -> RedisEndpoint.parse("redis-socket:///tmp/redis.sock"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scheme 'redis-socket'");
        assertThatThrownBy(() -> RedisEndpoint.parse("redis-sentinel://h:26379?sentinelMasterId=m"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scheme 'redis-sentinel'");
        assertThatThrownBy(() -> RedisEndpoint.parse("redis://h:0"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port 0");
    }
}
