package io.shardcache.redis.internal;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.redisson.config.Config;
import org.redisson.config.SslVerificationMode;

/**
 * One Redis server, parsed once from the user's URI: Lettuce's {@link RedisURI} does the parsing
 * (user, password, database, TLS, {@code verifyPeer}), and the same settings are handed to Redisson,
 * so the values connection and the lock client always talk to the same server as the same user.
 *
 * <p>Only a server over TCP is named ({@code redis://}, {@code rediss://}); Unix sockets are refused
 * at parse time rather than half supported, and Sentinels are named by several of these
 * ({@link RedisServers#sentinel}). The password is kept for the
 * two clients and never appears in {@link #describe()}, {@link #address()} or any message built
 * here. Immutable.
 */
public final class RedisEndpoint {

    private static final Set<String> SCHEMES = Set.of(
        RedisURI.URI_SCHEME_REDIS, RedisURI.URI_SCHEME_REDIS_SECURE,
        RedisURI.URI_SCHEME_REDIS_SECURE_ALT, RedisURI.URI_SCHEME_REDIS_TLS_ALT);

    private static final String FORM = "expected redis://[[user]:password@]host[:port][/database] or rediss://...";

    /** The user-info part of a URI, to be masked when the URI is echoed in an error. */
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/?#]*@");

    private final RedisURI lettuce;
    private final String scheme;
    private final String host;
    private final int port;
    private final int database;
    private final @Nullable String username;
    private final @Nullable String password;

    private RedisEndpoint(RedisURI lettuce, String scheme) {
        this.lettuce = lettuce;
        this.scheme = scheme;
        this.host = lettuce.getHost();
        this.port = lettuce.getPort();
        this.database = lettuce.getDatabase();
        RedisCredentials credentials = credentials(lettuce.getCredentialsProvider());
        this.username = credentials != null && credentials.hasUsername() ? credentials.getUsername() : null;
        this.password = credentials != null && credentials.hasPassword() ? new String(credentials.getPassword()) : null;
    }

    /**
     * Parses a Redis URI.
     *
     * @throws IllegalArgumentException naming the URI (its password masked) and what is wrong with it
     */
    public static RedisEndpoint parse(String redisUri) {
        Objects.requireNonNull(redisUri, "redisUri");
        String shown = mask(redisUri);
        if (redisUri.isBlank())
            throw new IllegalArgumentException("redisUri is blank; " + FORM);
        URI u;
        try {
            u = new URI(redisUri.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("redisUri '" + shown + "' is not a URI (" + mask(e.getReason()) + "); " + FORM, null);
        }
        String scheme = u.getScheme();
        if (scheme == null)
            throw new IllegalArgumentException("redisUri '" + shown + "' has no scheme; " + FORM);
        if (!SCHEMES.contains(scheme))
            throw new IllegalArgumentException("redisUri '" + shown + "' has scheme '" + scheme
                + "'; this backend talks to one Redis server over TCP: " + FORM);
        if (u.getHost() == null || u.getHost().isBlank())
            throw new IllegalArgumentException("redisUri '" + shown + "' names no valid host"
                + " (a host name may hold letters, digits, '-' and '.', no '_'); " + FORM);
        if (u.getPort() != -1 && (u.getPort() < 1 || u.getPort() > 65_535))
            throw new IllegalArgumentException("redisUri '" + shown + "' has port " + u.getPort() + ", outside 1..65535");
        RedisURI parsed;
        try {
            parsed = RedisURI.create(u);
        } catch (RuntimeException e) {
            // Lettuce's message may quote the URI; only ours, with the password masked, is shown.
            throw new IllegalArgumentException("redisUri '" + shown + "' is not a valid Redis URI (" + e.getClass().getSimpleName() + "); " + FORM);
        }
        if (parsed.getHost() == null || parsed.getSocket() != null || !parsed.getSentinels().isEmpty())
            throw new IllegalArgumentException("redisUri '" + shown + "' does not name a single Redis server; " + FORM);
        return new RedisEndpoint(parsed, parsed.isSsl() ? RedisURI.URI_SCHEME_REDIS_SECURE : RedisURI.URI_SCHEME_REDIS);
    }

    /** {@code host:port}, brackets around an IPv6 host; never credentials. */
    public String address() {
        // Lettuce keeps an IPv6 host in its brackets; a host it got without them gets them here.
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@code redis://host:port}, or {@code rediss://...}, with {@code /database} when not 0; never credentials. */
    public String describe() {
        return scheme + "://" + address() + (database == 0 ? "" : "/" + database);
    }

    /** A copy of the parsed URI for Lettuce, its timeout set to the backend's command timeout. */
    public RedisURI lettuceUri(Duration commandTimeout) {
        RedisURI copy = RedisURI.builder(lettuce).build();
        copy.setTimeout(commandTimeout);
        return copy;
    }

    /** Points a Redisson configuration at this server, with the same user, password, database and TLS settings. */
    public void configure(Config config) {
        config.useSingleServer()
            .setAddress(scheme + "://" + address())
            .setDatabase(database);
        access(config);
    }

    /**
     * For Lettuce: one URI naming every Sentinel and the master, with the master's credentials,
     * database and TLS settings (the Sentinels are asked without credentials).
     */
    static RedisURI lettuceSentinelUri(List<RedisEndpoint> sentinels, String masterName, Duration commandTimeout) {
        RedisEndpoint first = sentinels.getFirst();
        RedisURI.Builder b = RedisURI.Builder.sentinel(first.host, first.port, masterName);
        for (RedisEndpoint s : sentinels.subList(1, sentinels.size()))
            b.withSentinel(s.host, s.port);
        b.withDatabase(first.database).withTimeout(commandTimeout).withSsl(first.lettuce.isSsl())
            .withVerifyPeer(first.lettuce.getVerifyMode());
        if (first.password != null) {
            if (first.username != null)
                b.withAuthentication(first.username, first.password.toCharArray());
            else
                b.withPassword(first.password.toCharArray());
        }
        return b.build();
    }

    /** Points a Redisson configuration at the master the {@code sentinels} know as {@code masterName}. */
    static void configureSentinel(Config config, List<RedisEndpoint> sentinels, String masterName) {
        var sentinel = config.useSentinelServers().setMasterName(masterName).setDatabase(sentinels.getFirst().database);
        for (RedisEndpoint s : sentinels)
            sentinel.addSentinelAddress(s.scheme + "://" + s.address());
        sentinels.getFirst().access(config);
    }

    /** Points a Redisson configuration at the cluster of {@code seeds}, which {@linkplain #sameAccessAs share} their access. */
    static void configureCluster(Config config, List<RedisEndpoint> seeds) {
        var cluster = config.useClusterServers();
        for (RedisEndpoint s : seeds)
            cluster.addNodeAddress(s.scheme + "://" + s.address());
        seeds.getFirst().access(config);
    }

    private void access(Config config) {
        if (username != null)
            config.setUsername(username);
        if (password != null)
            config.setPassword(password);
        if (lettuce.isSsl())
            config.setSslVerificationMode(switch (lettuce.getVerifyMode()) {
                case NONE -> SslVerificationMode.NONE;
                case CA -> SslVerificationMode.CA_ONLY;
                case FULL -> SslVerificationMode.STRICT;
            });
    }

    /** True for {@code rediss://}. */
    public boolean tls() {
        return lettuce.isSsl();
    }

    int database() {
        return database;
    }

    /** True if {@code other} is reached with the same scheme, user, password and peer verification. */
    boolean sameAccessAs(RedisEndpoint other) {
        return scheme.equals(other.scheme) && Objects.equals(username, other.username) && Objects.equals(password, other.password)
            && lettuce.getVerifyMode() == other.lettuce.getVerifyMode();
    }

    /** {@code text} with the password, should a library have quoted it, replaced by {@code ***}. */
    public String scrub(String text) {
        if (text == null || password == null || password.length() < 3)
            return text;
        return text.replace(password, "***");
    }

    @Override
    public String toString() {
        return describe();
    }

    private static @Nullable RedisCredentials credentials(@Nullable RedisCredentialsProvider provider) {
        // A URI's credentials are a constant (Mono.just): resolving them does not block.
        return provider == null ? null : provider.resolveCredentials().block(Duration.ofSeconds(1));
    }

    /** The URI as the user wrote it, with any {@code user:password@} replaced by {@code ***@}. */
    static String mask(String uri) {
        return USER_INFO.matcher(uri).replaceFirst("***@");
    }
}
