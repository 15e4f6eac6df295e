package io.shardcache.testing.internal;

import io.shardcache.testing.ServiceSource;
import io.shardcache.testing.TestServicesException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Tries the sources of one service in order and returns the first that works, or throws one exception
 * that lists every source tried and why each failed. Not for use outside shardcache's test-support.
 *
 * <p>The plan: a forced source ({@code SHARDCACHE_SERVICES}) is the only one tried; otherwise a configured
 * address ({@code SHARDCACHE_PG_URL}/{@code SHARDCACHE_REDIS_URL}) is the only one tried, because falling
 * back from a server someone asked for to another would hide their mistake; otherwise all four, in
 * {@link ServiceSource} order.
 */
public final class Resolver {
    /** Opens one source; throws to say why it cannot. */
    @FunctionalInterface
    public interface Attempt<S> {
        S open() throws Exception;
    }

    private final Settings settings;
    private final Consumer<String> announce;

    /** @param announce receives the one line saying which source was chosen */
    public Resolver(Settings settings, Consumer<String> announce) {
        this.settings = settings;
        this.announce = announce;
    }

    /** The sources to try, in order. */
    public static List<ServiceSource> plan(Optional<ServiceSource> forced, boolean addressConfigured) {
        if (forced.isPresent()) {
            return List.of(forced.get());
        }
        return addressConfigured ? List.of(ServiceSource.ENV) : Arrays.asList(ServiceSource.values());
    }

    /**
     * A resolver of one service.
     *
     * @param service  the service's name in messages ("PostgreSQL")
     * @param variable the setting holding its address ({@link Settings#PG_URL})
     * @param attempts how to open each source; every source of the plan must be present
     * @param address  describes a found service for the log line
     */
    public <S> S resolve(String service, String variable, Map<ServiceSource, Attempt<S>> attempts,
                         Function<S, String> address) {
        Optional<ServiceSource> forced = settings.forcedSource();
        boolean configured = settings.get(variable).isPresent();
        List<String> reasons = new ArrayList<>();
        List<Exception> failures = new ArrayList<>();
        for (ServiceSource source : plan(forced, configured)) {
            Attempt<S> attempt = attempts.get(source);
            if (attempt == null) {
                throw new IllegalArgumentException("no attempt given for source " + source);
            }
            try {
                S found = attempt.open();
                announce.accept("shardcache test services: " + service + " from " + source + " "
                        + address.apply(found));
                return found;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TestServicesException("interrupted while opening " + service + " from " + source, e);
            } catch (Exception e) {
                reasons.add("  - " + source + ": " + reason(e).replace("\n", "\n      "));
                failures.add(e);
            }
        }
        TestServicesException failure = new TestServicesException("No " + service + " for the tests. Tried, in order:\n"
                + String.join("\n", reasons) + "\n" + advice(service, variable, forced, configured));
        failures.stream().filter(e -> !(e instanceof SourceUnavailable)).forEach(failure::addSuppressed);
        throw failure;
    }

    private static String advice(String service, String variable, Optional<ServiceSource> forced,
                                 boolean configured) {
        if (forced.isPresent()) {
            return Settings.SERVICES + "=" + forced.get() + " restricts the search to that one source; unset it "
                    + "to try env, loopback, testcontainers and embedded in turn.";
        }
        if (configured) {
            return variable + " is set, so no other source was tried; fix the address or unset it to fall back "
                    + "to loopback, testcontainers and embedded.";
        }
        return "Start " + service + " on its standard loopback port, or set " + variable
                + " (system property or environment variable) to a server's address.";
    }

    /** The exception's message and its causes', on one line. */
    static String reason(Throwable e) {
        StringBuilder text = new StringBuilder(describe(e));
        int depth = 0;
        for (Throwable cause = e.getCause(); cause != null && depth < 4; cause = cause.getCause(), depth++) {
            String next = describe(cause);
            if (!text.toString().contains(next)) {
                text.append(" <- ").append(next);
            }
        }
        return text.toString();
    }

    private static String describe(Throwable e) {
        boolean ours = e instanceof SourceUnavailable || e instanceof TestServicesException;
        String message = e.getMessage() == null ? "" : e.getMessage().strip();
        return ours && !message.isEmpty() ? message : e.getClass().getSimpleName()
                + (message.isEmpty() ? "" : ": " + message);
    }
}
