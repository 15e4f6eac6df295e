package io.shardcache.benchmarks;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The option syntax the benchmark commands share: {@code --name value}, {@code --name=value} and flags. */
public final class CommandLine {

    private CommandLine() {
    }

    /** Thrown for {@code -h}/{@code --help}: not an error, but no run either. */
    public static final class HelpRequested extends Exception {
        public HelpRequested() {
            super("help", null, false, false);
        }
    }

    /** One option as given: its name with the dashes, and its value (null for a flag). */
    public record Option(String name, String value) {
    }

    /**
     * The options of {@code args}, in order. Each may be given once; the names in {@code flags} take
     * no value, every other name one.
     *
     * @param example an option with a value, for the message about an argument that is not one
     * @throws IllegalArgumentException whose message names the offending argument
     * @throws HelpRequested            for {@code -h} or {@code --help}
     */
    public static List<Option> options(String[] args, Set<String> flags, String example) throws HelpRequested {
        List<Option> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help"))
                throw new HelpRequested();
            if (!arg.startsWith("--") || arg.length() == 2)
                throw new IllegalArgumentException("unexpected argument '" + arg + "': options start with --, e.g. " + example);
            int eq = arg.indexOf('=');
            String name = eq >= 0 ? arg.substring(0, eq) : arg;
            if (!seen.add(name))
                throw new IllegalArgumentException(name + " is given more than once");
            if (flags.contains(name)) {
                if (eq >= 0)
                    throw new IllegalArgumentException(name + " takes no value");
                out.add(new Option(name, null));
            } else if (eq >= 0) {
                out.add(new Option(name, arg.substring(eq + 1)));
            } else {
                if (i + 1 >= args.length)
                    throw new IllegalArgumentException(name + " needs a value");
                out.add(new Option(name, args[++i]));
            }
        }
        return out;
    }

    /** {@code value} as an integer in {@code [min, max]}. */
    public static int intIn(String name, String value, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'");
        }
        if (n < min || n > max)
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + n);
        return n;
    }

    public static String nonEmpty(String name, String value) {
        if (value.isBlank())
            throw new IllegalArgumentException(name + " must not be empty");
        return value;
    }
}
