package io.shardcache.testing.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Deletes directory trees. Not for use outside shardcache's test-support. */
final class FileTrees {
    private FileTrees() {
    }

    /** Deletes {@code root} and everything under it, children first; symbolic links are not followed. */
    static void delete(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            List<Path> deepestFirst =
                    paths.sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
            for (Path path : deepestFirst) {
                Files.deleteIfExists(path);
            }
        }
    }
}
