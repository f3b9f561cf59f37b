"""Accuracy of dragnet map's operator clusters on synthetic worlds.

tools/gen_world.py writes a world (a capture, WHOIS responses, certificates,
an ip2asn table) and its ground truth: the operator of every registrable
domain, or "noise". The test ingests a world with the real dragnet into a
new SQLite store, maps it from one seed domain per operator and from all
seeds at once, and scores the clusters against the truth:

- pairwise precision: of the pairs of reached domains that share a cluster,
  the fraction run by one operator (two noise domains are never a pair);
- pairwise recall over the reached domains, and over each operator's whole
  domain set (how much of the operator one seed finds).

The world is mapped with the built-in list of shared infrastructure, with
the world's own providers added to it, and with those and --overlap. The
test prints the figures and fails when one drops below its floor. The
floors sit a little under the figures measured when they were set, which
docs/mapping.md lists under "Accuracy".

It also checks the two case studies on the bundled world samples/world,
mapped with the built-in list: the 47-domain WHOIS ring maps to one cluster
of exactly the 44 domains with the phone run, and the 340 self-signed Blue
Lantern Hosting certificates to one cluster of their 340 domains. Finally,
the generator must still write samples/world byte for byte.

Environment: DRAGNET is the dragnet binary, DRAGNET_SOURCE_DIR the checkout,
TMPDIR the scratch folder."""

import filecmp
import itertools
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import dnstest as t  # noqa: E402

GENERATOR = os.path.join(t.SOURCE_DIR, "tools", "gen_world.py")
SAMPLE_WORLD = os.path.join(t.SOURCE_DIR, "samples", "world")
SAMPLE_OPTIONS = ["--seed", "2025", "--ring", "--blue-lantern", "340", "--noise", "100",
                  "--domains", "6"]
# The medium world scored here: about 700 registrable domains.
MEDIUM_OPTIONS = ["--seed", "11", "--domains", "12", "--noise", "600", "--blue-lantern", "40"]
MAP_OPTIONS = ["--depth", "3"]

# The ways the medium world is mapped: with the built-in list of shared
# infrastructure only, with the world's own providers added to it (as an
# analyst adds local providers), and that with --overlap.
MODES = {
    "built-in list": [],
    "world list": ["--shared-list", "LIST"],
    "world list, overlap": ["--shared-list", "LIST", "--overlap"],
}
# Floors per mode: (precision, recall over the reached domains, recall over
# the whole operators), for the run from all seeds and for the mean of the
# runs from one seed each. They sit a little under the figures measured
# when they were set.
# With the built-in list only, the invented public CAs and mail host link
# nearly every domain, so precision has no floor there yet.
FLOORS = {
    "built-in list": {"all seeds": (0.90, 0.88, 0.88),
                      "mean of one seed": (0.68, 0.70, 0.75)},
    "world list": {"all seeds": (0.97, 0.83, 0.83), "mean of one seed": (0.97, 0.60, 0.60)},
    "world list, overlap": {"all seeds": (0.97, 0.83, 0.83),
                            "mean of one seed": (0.97, 0.60, 0.60)},
}


def generate(folder, options):
    subprocess.run([sys.executable, GENERATOR, folder, *options], check=True, timeout=300,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(folder, "truth.json"), encoding="utf-8") as f:
        return json.load(f)


def ingest(world, db):
    """Load every part of world into the SQLite store db."""
    t.run("ingest", "-q", "--db", db, "--source", "world-capture",
          os.path.join(world, "captures", "dns.pcap.gz"), check=0)
    certs = os.path.join(world, "certs")
    t.run("ingest", "-q", "--db", db,
          *sorted(os.path.join(certs, name) for name in os.listdir(certs)), check=0)
    t.run("whois", "--import", "-q", "--db", db, os.path.join(world, "whois"), check=0)
    t.run("asn", "--load", "-q", "--db", db, os.path.join(world, "asn", "ip2asn.tsv"), check=0)


def registrable(name):
    """Return the registrable domain of a name in the world. Every name is
    under .example, where the public suffix list's default rule keeps the
    last two labels."""
    return ".".join(name.rstrip(".").lower().split(".")[-2:])


def map_world(db, seeds, *options):
    """Run dragnet map. Return the registrable domains reached and a dict
    from each clustered registrable domain to its cluster number."""
    proc = t.run("map", *seeds, *MAP_OPTIONS, *options, "--format", "json", "--store", db,
                 check=0, timeout=600)
    doc = json.loads(proc.stdout)
    reached = {registrable(n["key"]) for n in doc["nodes"]
               if n["kind"] in ("domain", "regdomain")}
    cluster_of = {}
    for number, cluster in enumerate(doc["clusters"], 1):
        for member in cluster["members"]:
            domain = registrable(member["key"])
            # A name and its registrable domain in two clusters count in the
            # first, which is the seed's when one of them is.
            cluster_of.setdefault(domain, cluster.get("number", number))
    return reached, cluster_of


def true_pairs(domains, truth):
    by_owner = {}
    for d in domains:
        owner = truth["domains"].get(d, "noise")
        if owner != "noise":
            by_owner.setdefault(owner, []).append(d)
    return {pair for group in by_owner.values()
            for pair in itertools.combinations(sorted(group), 2)}


def predicted_pairs(cluster_of):
    by_cluster = {}
    for d, number in cluster_of.items():
        by_cluster.setdefault(number, []).append(d)
    return {pair for group in by_cluster.values()
            for pair in itertools.combinations(sorted(group), 2)}


def ratio(hits, total):
    # A run that puts no two domains together has precision 1 and recall 0.
    return hits / total if total else 1.0


def score(truth, reached, cluster_of, operators):
    """Return the pairwise precision, the recall over the reached domains
    and the recall over the whole domain sets of operators."""
    predicted = predicted_pairs(cluster_of)
    reached_true = true_pairs(reached, truth)
    whole_true = set()
    for name in operators:
        whole_true |= true_pairs(truth["operators"][name]["domains"], truth)
    hits = len(predicted & reached_true)
    return (ratio(hits, len(predicted)), ratio(hits, len(reached_true)),
            ratio(len(predicted & whole_true), len(whole_true)))


def show(label, figures):
    precision, recall_reached, recall_whole = figures
    print(f"  {label:<17} precision {precision:.3f}  recall (reached) {recall_reached:.3f}  "
          f"recall (whole operator) {recall_whole:.3f}")


def check_floor(mode, label, figures):
    show(label, figures)
    floor = FLOORS[mode][label]
    for name, value, minimum in zip(("precision", "recall (reached)", "recall (whole)"),
                                    figures, floor):
        assert value >= minimum, f"{mode}, {label}: {name} {value:.3f} < floor {minimum}"


def check_accuracy(tmp):
    world = os.path.join(tmp, "medium")
    truth = generate(world, MEDIUM_OPTIONS)
    db = os.path.join(tmp, "medium.db")
    ingest(world, db)
    # --shared-list adds the world's providers to the built-in list.
    shared_list = os.path.join(world, "shared-infra.txt")
    names = sorted(truth["seeds"])
    for mode, options in MODES.items():
        options = [shared_list if o == "LIST" else o for o in options]
        print(f"{mode}: dragnet map {' '.join(MAP_OPTIONS + options)}")
        per_seed = []
        for name in names:
            reached, cluster_of = map_world(db, [truth["seeds"][name]], *options)
            figures = score(truth, reached, cluster_of, [name])
            show(name, figures)
            per_seed.append(figures)
        mean = tuple(sum(f[i] for f in per_seed) / len(per_seed) for i in range(3))
        check_floor(mode, "mean of one seed", mean)
        reached, cluster_of = map_world(db, [truth["seeds"][n] for n in names], *options)
        check_floor(mode, "all seeds", score(truth, reached, cluster_of, names))


def seed_cluster(cluster_of, seed):
    number = cluster_of.get(seed)
    assert number is not None, f"the seed {seed} is in no cluster"
    return {d for d, n in cluster_of.items() if n == number}


def check_case_studies(tmp):
    with open(os.path.join(SAMPLE_WORLD, "truth.json"), encoding="utf-8") as f:
        truth = json.load(f)
    db = os.path.join(tmp, "sample.db")
    ingest(SAMPLE_WORLD, db)

    ring = set(truth["operators"]["ring"]["domains"])
    outsiders = set(truth["operators"]["ring"]["outsiders"])
    assert len(ring) == 44, len(ring)
    assert len(outsiders) == 3, outsiders
    _, cluster_of = map_world(db, [truth["seeds"]["ring"]])
    found = seed_cluster(cluster_of, truth["seeds"]["ring"])
    assert found == ring, (sorted(found - ring), sorted(ring - found))
    print("ring: one cluster of the 44 domains with the phone run")

    lantern = set(truth["operators"]["blue-lantern"]["domains"])
    assert len(lantern) == 340, len(lantern)
    _, cluster_of = map_world(db, [truth["seeds"]["blue-lantern"]])
    found = seed_cluster(cluster_of, truth["seeds"]["blue-lantern"])
    assert found == lantern, (sorted(found - lantern)[:10], sorted(lantern - found)[:10])
    print("blue lantern: one cluster of the 340 self-signed certificates' domains")


def check_sample_current(tmp):
    """Check that the generator still writes the committed samples/world."""
    world = os.path.join(tmp, "sample-again")
    generate(world, SAMPLE_OPTIONS)
    diff = filecmp.dircmp(world, SAMPLE_WORLD)
    stack = [diff]
    while stack:
        d = stack.pop()
        _, mismatch, errors = filecmp.cmpfiles(d.left, d.right, d.common_files, shallow=False)
        assert not (d.left_only or d.right_only or mismatch or errors), \
            (d.left, d.left_only, d.right_only, mismatch, errors)
        stack.extend(d.subdirs.values())
    print("samples/world matches tools/gen_world.py " + " ".join(SAMPLE_OPTIONS))


def main():
    try:
        import cryptography  # noqa: F401
    except ImportError:
        t.skip("tools/gen_world.py needs pyca/cryptography (python3-cryptography)")
    tmp = t.scratch()
    check_sample_current(tmp)
    if t.run("map", "--help").returncode != 0:
        t.skip("this dragnet has no map command")
    check_case_studies(tmp)
    check_accuracy(tmp)


if __name__ == "__main__":
    main()
