package io.shardcache.testing.internal;

import io.shardcache.testing.PostgresService;
import io.shardcache.testing.RedisService;
import io.shardcache.testing.ServiceSource;
import io.shardcache.testing.TestServicesException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the service addresses given in {@code SHARDCACHE_PG_URL} and {@code SHARDCACHE_REDIS_URL}, and
 * encodes URL parts. Not for use outside shardcache's test-support.
 */
public final class Urls {
    static final String PG_FORMS = "jdbc:postgresql://host[:port]/db?user=..&password=.. "
            + "or postgresql://user[:password]@host[:port]/db";
    static final String REDIS_FORM = "redis://[[user]:password@]host[:port]";

    private Urls() {
    }

    /**
     * Percent-encodes a URL part. Spaces become {@code %20}, not {@code +}: pgjdbc would read either, but
     * Lettuce takes the user info of a {@code redis://} URI literally.
     */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Parses either accepted PostgreSQL URL form. User defaults to {@code postgres}, port to 5432, database to
     * {@code postgres}; {@code user}/{@code password} query parameters win over user info; other query
     * parameters are kept as pgjdbc parameters.
     *
     * @throws TestServicesException naming the variable and the expected forms; the password is masked
     */
    public static PostgresService parsePostgres(String variable, String url) {
        String text = url.strip();
        String lower = text.toLowerCase(Locale.ROOT);
        String uriText;
        if (lower.startsWith("jdbc:postgresql://")) {
            uriText = text.substring("jdbc:".length());
        } else if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
            uriText = text;
        } else {
            throw bad(variable, url, PG_FORMS, "unknown scheme");
        }
        URI uri = toUri(variable, url, uriText, PG_FORMS);
        String user = "postgres";
        String password = "";
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = parts[0].isEmpty() ? user : decodeLiteral(parts[0]);
            password = parts.length > 1 ? decodeLiteral(parts[1]) : "";
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                String[] keyValue = pair.split("=", 2);
                // pgjdbc decodes its query with URLDecoder, so '+' means a space here.
                String key = URLDecoder.decode(keyValue[0], StandardCharsets.UTF_8);
                String value = keyValue.length > 1 ? URLDecoder.decode(keyValue[1], StandardCharsets.UTF_8) : "";
                switch (key.toLowerCase(Locale.ROOT)) {
                    case "user" -> user = value;
                    case "password" -> password = value;
                    default -> parameters.put(key, value);
                }
            }
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String database = path.length() > 1 ? path.substring(1) : "postgres";
        if (database.contains("/")) {
            throw bad(variable, url, PG_FORMS, "database name " + database + " contains '/'");
        }
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        return new PostgresService(ServiceSource.ENV, host(variable, url, uri, PG_FORMS), port, database, user,
                password, parameters);
    }

    /**
     * Parses {@code redis://[[user]:password@]host[:port]}; user info without a colon is a password, as
     * Lettuce reads it. Port defaults to 6379.
     *
     * @throws TestServicesException naming the variable and the expected form; the password is masked
     */
    public static RedisService parseRedis(String variable, String url) {
        String text = url.strip();
        if (!text.toLowerCase(Locale.ROOT).startsWith("redis://")) {
            throw bad(variable, url, REDIS_FORM, text.toLowerCase(Locale.ROOT).startsWith("rediss://")
                    ? "TLS (rediss://) is not supported for test services" : "unknown scheme");
        }
        URI uri = toUri(variable, url, text, REDIS_FORM);
        if (uri.getRawQuery() != null || (uri.getRawPath() != null && uri.getRawPath().length() > 1)) {
            throw bad(variable, url, REDIS_FORM, "a database number or options are not supported; tests "
                    + "separate their data by key prefix");
        }
        String user = "";
        String password = "";
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            if (parts.length == 1) {
                password = decodeLiteral(parts[0]);
            } else {
                user = decodeLiteral(parts[0]);
                password = decodeLiteral(parts[1]);
            }
        }
        if (!user.isEmpty() && password.isEmpty()) {
            throw bad(variable, url, REDIS_FORM, "user " + user + " has no password");
        }
        int port = uri.getPort() == -1 ? 6379 : uri.getPort();
        return new RedisService(ServiceSource.ENV, host(variable, url, uri, REDIS_FORM), port, user, password);
    }

    /** The URL with any password replaced by {@code ***}, for messages. */
    public static String mask(String url) {
        return url.replaceAll("(://[^/@:]*:)[^/@]*@", "$1***@")
                .replaceAll("(?i)([?&]password=)[^&]*", "$1***");
    }

    private static URI toUri(String variable, String original, String text, String forms) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw bad(variable, original, forms, "not a URI (" + mask(e.getReason()) + ")");
        }
    }

    private static String host(String variable, String original, URI uri, String forms) {
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw bad(variable, original, forms, "exactly one host is needed (multi-host URLs are not supported)");
        }
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Percent-decoding where '+' stays a plus, as in the user info part of a URI. */
    private static String decodeLiteral(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static TestServicesException bad(String variable, String url, String forms, String problem) {
        return new TestServicesException(variable + "=" + mask(url) + " cannot be used: " + problem
                + ". Expected " + forms + ".");
    }
}
