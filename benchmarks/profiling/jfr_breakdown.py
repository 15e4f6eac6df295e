#!/usr/bin/env python3
"""Where a benchmark's time goes, from a JMH `-prof jfr` recording.

Each CPU sample of the JMH worker thread is charged to one step of a cached read: its frames are
walked from the leaf towards the root and the first frame that matches a rule below names the step
(so the innermost step wins: a SHA-256 inside KeyMaterial counts as "digests", not "key material").
JFR samples at safepoint-free points but still with some bias; read the shares as approximate.

usage: jfr_breakdown.py <profile.jfr> [score_us]
  score_us: the benchmark's score in that run, to print each share in microseconds as well.
Needs a JDK's `jfr` tool: $JAVA_HOME/bin/jfr, else `jfr` on the PATH.
"""
import collections
import json
import os
import shutil
import subprocess
import sys

# (substring of "package/Class.method", step); first match from the leaf wins.
RULES = [
    ("ResultCodec.decode", "cache: ResultCodec.decode (builds a Result<Record>, record build #1)"),
    ("Entry.decode", "cache: entry envelope check (header + CRC32C)"),
    ("Entry.payload", "cache: payload copy"),
    ("InProcessCacheBackend.get", "cache: Caffeine get"),
    ("InProcessCacheBackend.generation", "cache: generation counters"),
    ("DogpileEngine.read", "cache: read + fingerprint check"),
    ("java/security/MessageDigest", "key: SHA-1 + SHA-256 (MessageDigest.getInstance + digest)"),
    ("sun/security/", "key: SHA-1 + SHA-256 (MessageDigest.getInstance + digest)"),
    ("KeyMaterial.<init>", "key: hex encoding + fingerprint copy"),
    ("KeyMaterial.ofStatement", "key: material bytes (SQL as UTF-8, binds)"),
    ("DogpileEngine.lookup", "key: CacheKey + storage key string"),
    ("Telemetry", "cache: telemetry"),
    ("DogpileEngine.fetch", "cache: engine, other"),
    ("MockResultSet.<init>", "shardcache: MockResultSet over the decoded rows"),
    ("CachedResultSet.<init>", "shardcache: MockResultSet over the decoded rows"),
    ("CachedReadStatement.run", "shardcache: statement, other"),
    ("SqlClassifier", "shardcache: SqlClassifier.isCacheableRead"),
    ("CachingConnection.prepare", "shardcache: statement creation"),
    ("CachingConnectionProvider", "shardcache: connection acquire/release"),
    ("CachingDSL.derivedConfiguration", "keyOf: derived Configuration per call"),
    ("CachingDSL.probe", "keyOf: probe, other"),
    ("AbstractQuery.getSQL0", "jOOQ: render SQL"),
    ("DefaultDSLContext.render", "jOOQ: render SQL"),
    ("BindContext", "jOOQ: bind values"),
    ("CursorImpl", "jOOQ: records from the ResultSet (record build #2) + cursor"),
    ("Tools.fetchOne", "jOOQ: records from the ResultSet (record build #2) + cursor"),
    ("RecordDelegate", "jOOQ: records from the ResultSet (record build #2) + cursor"),
    ("CacheHitBenchmark.query", "query construction (selectFrom/where)"),
    ("AbstractQuery.execute", "jOOQ: execute, other (ExecuteContext, listeners, settings)"),
    ("AbstractResultQuery", "jOOQ: execute, other (ExecuteContext, listeners, settings)"),
    ("DSL.using", "keyOf: DSL.using per call"),
]


def jfr_tool():
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "jfr")):
        return os.path.join(home, "bin", "jfr")
    found = shutil.which("jfr")
    if not found:
        sys.exit("no jfr tool: set JAVA_HOME to a JDK")
    return found


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = subprocess.run([jfr_tool(), "print", "--json", "--stack-depth", "128", "--events",
                          "jdk.ExecutionSample", sys.argv[1]], check=True, capture_output=True).stdout
    score = float(sys.argv[2]) if len(sys.argv) > 2 else None
    steps = collections.Counter()
    total = 0
    for event in json.loads(out)["recording"]["events"]:
        values = event["values"]
        thread = values.get("sampledThread") or {}
        if "jmh-worker" not in (thread.get("javaName") or ""):
            continue
        total += 1
        frames = [f["method"]["type"]["name"] + "." + f["method"]["name"] for f in values["stackTrace"]["frames"]]
        step = next((s for f in frames for pattern, s in RULES if pattern in f), "other")
        steps[step] += 1
    print(f"{total} samples of the benchmark thread")
    for step, n in steps.most_common():
        micros = f"  ~{score * n / total:5.2f} us" if score else ""
        print(f"{100 * n / total:5.1f}%{micros}  {step}")


if __name__ == "__main__":
    main()
