"""Run store_bench against a throwaway two-shard ClickHouse cluster on loopback.

    python3 bench/store_cluster.py BENCH OUT_DIR [STORE_BENCH_OPTIONS...]

Starts two clickhouse-server processes with tests/integration/chserver.py
(data under TMPDIR), then:

1. runs BENCH --no-lookups (the ingest) and records the servers' CPU time;
2. runs BENCH --lookups-only on the parts as the ingest left them;
3. records the active parts of every table, merges OPTIMIZE TABLE ... FINAL
   on both nodes, and records the parts again;
4. runs BENCH --lookups-only once more.

Each BENCH run writes OUT_DIR/clickhouse-{ingest,lookups1,lookups2}.md and
.summary; this script writes OUT_DIR/clickhouse-cluster.md and
clickhouse-cluster.summary (key=value lines, as store_bench writes them).
The cluster and its data are deleted at the end.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from chserver import Cluster  # noqa: E402

DATABASE = "dragnet_bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User plus system CPU seconds of a process and its reaped children."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # Fields 14-17 of proc(5) are utime, stime, cutime and cstime, and fields[0]
    # is field 3.
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def run_bench(bench, out_dir, name, location, options):
    """Run store_bench; its report goes to OUT_DIR/clickhouse-NAME.md."""
    summary = os.path.join(out_dir, f"clickhouse-{name}.summary")
    with open(os.path.join(out_dir, f"clickhouse-{name}.md"), "w") as report:
        subprocess.run([bench, "--store", location, "--summary", summary, *options],
                       stdout=report, check=True)


def parts(cluster):
    """Active parts, rows and bytes per table, summed over the nodes."""
    totals = {}
    for shard in cluster.shards:
        for table, count, rows, on_disk in shard.rows(
                "SELECT table, count(), sum(rows), sum(bytes_on_disk) FROM system.parts "
                f"WHERE database = '{DATABASE}' AND active GROUP BY table"):
            entry = totals.setdefault(table, [0, 0, 0])
            entry[0] += int(count)
            entry[1] += int(rows)
            entry[2] += int(on_disk)
    return totals


def parts_table(title, totals):
    lines = [f"{title}:", "", "| table | active parts | rows | bytes on disk |",
             "| --- | ---: | ---: | ---: |"]
    for table in sorted(totals):
        count, rows, on_disk = totals[table]
        lines.append(f"| {table} | {count} | {rows:,} | {on_disk:,} |")
    return "\n".join(lines) + "\n"


def wait_for_merges(cluster, timeout):
    """Wait until no merge runs on any node; return the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        running = sum(int(shard.value("SELECT count() FROM system.merges"))
                      for shard in cluster.shards)
        if running == 0:
            break
        time.sleep(1)
    return time.monotonic() - started


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    bench, out_dir, options = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    summary = {}
    lines = []
    with Cluster(shards=2, startup_timeout=60) as cluster:
        hosts = ",".join(f"127.0.0.1:{shard.http_port}" for shard in cluster.shards)
        spool = os.path.join(cluster.directory, "spool")
        location = f"clickhouse://{hosts}/{DATABASE}?cluster={cluster.name}&spool={spool}"
        summary["version"] = cluster.shards[0].value("SELECT version()")
        pids = [shard.pid for shard in cluster.shards]

        cpu_before = [cpu_seconds(pid) for pid in pids]
        started = time.monotonic()
        run_bench(bench, out_dir, "ingest", location, ["--no-lookups", *options])
        summary["ingest_wall_s"] = f"{time.monotonic() - started:.3f}"
        summary["server_cpu_ingest_s"] = (
            f"{sum(cpu_seconds(pid) for pid in pids) - sum(cpu_before):.1f}")
        with open("/proc/loadavg") as f:
            summary["load_after_ingest"] = " ".join(f.read().split()[:3])
        after_ingest = parts(cluster)

        run_bench(bench, out_dir, "lookups1", location, ["--lookups-only", *options])

        # Merges still running when OPTIMIZE ... FINAL starts could keep it from
        # merging everything, so wait for them. The parts counted afterwards
        # show whether every node ended with one part per table.
        summary["merge_wait_s"] = f"{wait_for_merges(cluster, 1800):.1f}"
        before_optimize = parts(cluster)
        cpu_before = [cpu_seconds(pid) for pid in pids]
        started = time.monotonic()
        for table in ("rrset_fwd", "rrset_rev"):
            for shard in cluster.shards:
                shard.query(f"OPTIMIZE TABLE {DATABASE}.{table} FINAL", timeout=3600)
        summary["optimize_s"] = f"{time.monotonic() - started:.1f}"
        summary["server_cpu_optimize_s"] = (
            f"{sum(cpu_seconds(pid) for pid in pids) - sum(cpu_before):.1f}")
        after_optimize = parts(cluster)

        run_bench(bench, out_dir, "lookups2", location, ["--lookups-only", *options])

        summary["server_peak_rss_kib"] = ",".join(str(peak_rss_kib(pid)) for pid in pids)
        for name, totals in (("ingest", after_ingest), ("merged", before_optimize),
                             ("optimized", after_optimize)):
            summary[f"bytes_{name}"] = sum(entry[2] for entry in totals.values())
            summary[f"parts_{name}"] = sum(entry[0] for entry in totals.values())
        data_bytes = 0
        for shard in cluster.shards:
            for root, _, files in os.walk(os.path.join(shard.directory, "data", "data",
                                                       DATABASE)):
                data_bytes += sum(os.path.getsize(os.path.join(root, name)) for name in files)
        summary["data_dir_bytes"] = data_bytes

        lines.append(parts_table("Right after the ingest", after_ingest))
        lines.append(parts_table(
            f"When background merges had stopped ({summary['merge_wait_s']} s later, "
            "after the first lookup pass)", before_optimize))
        lines.append(parts_table(
            f"After OPTIMIZE TABLE ... FINAL of rrset_fwd and rrset_rev on both nodes "
            f"({summary['optimize_s']} s)", after_optimize))

    with open(os.path.join(out_dir, "clickhouse-cluster.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(out_dir, "clickhouse-cluster.summary"), "w") as f:
        for key, value in summary.items():
            f.write(f"{key}={value}\n")


if __name__ == "__main__":
    main()
