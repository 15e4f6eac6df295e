package io.shardcache.query.fidelity;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A generator of values from a seeded random source, so a failing run can be repeated from its seed.
 * Small on purpose: the fidelity suite needs values of PostgreSQL's types as SQL literals, biased
 * towards the ends of each range, and nothing else.
 */
@FunctionalInterface
public interface Gen<T> {

    T next(RandomGenerator random);

    default <U> Gen<U> map(Function<? super T, ? extends U> f) {
        return r -> f.apply(next(r));
    }

    default Gen<T> filter(Predicate<? super T> keep) {
        return r -> {
            for (int i = 0; i < 10_000; i++) {
                T v = next(r);
                if (keep.test(v))
                    return v;
            }
            throw new IllegalStateException("a filter kept nothing in 10,000 tries");
        };
    }

    /** Lists of up to {@code max} elements. */
    default Gen<List<T>> list(int min, int max) {
        return r -> {
            int n = min + r.nextInt(max - min + 1);
            List<T> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++)
                l.add(next(r));
            return l;
        };
    }

    static <T> Gen<T> just(T v) {
        return r -> v;
    }

    @SafeVarargs
    static <T> Gen<T> of(T... values) {
        return r -> values[r.nextInt(values.length)];
    }

    @SafeVarargs
    static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        return r -> gens[r.nextInt(gens.length)].next(r);
    }

    /** Longs in {@code [min, max]}: a quarter of them at or next to an end of the range. */
    static Gen<Long> longs(long min, long max) {
        return r -> switch (r.nextInt(8)) {
            case 0 -> min;
            case 1 -> max;
            default -> r.nextLong(min, max == Long.MAX_VALUE ? max : max + 1);
        };
    }

    static Gen<Integer> ints(int min, int max) {
        return longs(min, max).map(Long::intValue);
    }

    /** Strings of code points from {@code from} to {@code to} (no surrogates), up to {@code maxLength} chars. */
    static Gen<String> strings(int from, int to, int maxLength) {
        return r -> {
            int n = r.nextInt(maxLength + 1);
            StringBuilder s = new StringBuilder(n);
            while (s.length() < n) {
                int cp = r.nextInt(from, to + 1);
                if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
                    s.appendCodePoint(cp);
            }
            return s.toString();
        };
    }

    static Gen<String> strings(String alphabet, int maxLength) {
        return r -> {
            int n = r.nextInt(maxLength + 1);
            StringBuilder s = new StringBuilder(n);
            for (int i = 0; i < n; i++)
                s.append(alphabet.charAt(r.nextInt(alphabet.length())));
            return s.toString();
        };
    }
}
