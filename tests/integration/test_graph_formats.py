"""Check the graph writers' files with real consumers: Graphviz dot reads the
DOT file, xmllint and NetworkX read the GraphML file, and the STIX bundle
and MISP event have the structure of the examples in the shared corpus.

The files come from tests/tools/graph_write_sample.c, which writes a
hand-built map (tests/common/graph_sample.h) whose labels are built to break
escaping. Besides, dot renders the DOT files of three maps of the sample
world (samples/world, ingested as tools/setup.sh demo does) that `dragnet
map` writes, because large maps with edges between clusters once failed in
dot 2.43 with "trouble in init_rank"."""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from dnstest import SOURCE_DIR, corpus_dir, run, skip  # noqa: E402

SAMPLE = os.environ.get("GRAPH_WRITE_SAMPLE", "")
STIX_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

# Node and edge counts of the sample (tests/common/graph_sample.h).
SAMPLE_NODES = 22
SAMPLE_EDGES = 24

PERSONAL = ["john.smith@example.com", "+1.5555550123", "john smith", "1 main street, springfield"]
KEPT = ["Blue Lantern Hosting", "Example Registrar, Inc.", "contact@privacyprotect.org"]

# MISP attribute types and the categories they may be filed under, from the
# category_type_mappings of MISP's describeTypes.json (MISP/MISP on GitHub).
MISP_CATEGORIES = {
    "domain": {"Network activity", "Payload delivery", "External analysis"},
    "hostname": {"Network activity", "Payload delivery", "External analysis"},
    "ip-dst": {"Network activity", "Payload delivery", "External analysis"},
    "AS": {"Network activity", "Payload delivery", "External analysis"},
    "whois-registrant-email": {"Attribution", "Payload delivery", "Social network"},
    "whois-registrant-phone": {"Attribution"},
    "whois-registrant-name": {"Attribution"},
    "whois-registrant-org": {"Attribution"},
    "whois-registrar": {"Attribution"},
    "x509-fingerprint-sha256": {"Network activity", "Payload delivery", "Artifacts dropped",
                                "Payload installation", "Attribution", "External analysis"},
    "text": {"Network activity", "Attribution", "Other", "Payload delivery", "External analysis"},
    "anonymised": {"Attribution", "Other", "Network activity"},
}

STIX_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
STIX_ID = re.compile(r"^([a-z0-9-]+)--([0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}"
                     r"-[0-9a-f]{12})$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Required properties per STIX 2.1 object type (the specification's property
# tables); common ones are checked for every object.
SDO_COMMON = {"type", "spec_version", "id", "created", "modified"}
SCO_COMMON = {"type", "id"}
REQUIRED = {
    "identity": SDO_COMMON | {"name"},
    "infrastructure": SDO_COMMON | {"name"},
    "relationship": SDO_COMMON | {"relationship_type", "source_ref", "target_ref"},
    "domain-name": SCO_COMMON | {"value"},
    "ipv4-addr": SCO_COMMON | {"value"},
    "ipv6-addr": SCO_COMMON | {"value"},
    "email-addr": SCO_COMMON | {"value"},
    "autonomous-system": SCO_COMMON | {"number"},
    "x509-certificate": SCO_COMMON,
}

failures = []


def check(cond, message):
    if not cond:
        failures.append(message)


def jcs(obj):
    """RFC 8785 form of the small objects that STIX SCO ids hash."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_dot(folder):
    for name in ("map.dot", "redacted.dot"):
        path = os.path.join(folder, name)
        run = subprocess.run(["dot", "-Tsvg", path], capture_output=True, text=True)
        check(run.returncode == 0, f"dot -Tsvg {name} failed: {run.stderr.strip()}")
        check(run.stderr.strip() == "", f"dot warns about {name}: {run.stderr.strip()}")
        check("<svg" in run.stdout, f"dot wrote no SVG for {name}")
        # Clusters are node attributes, not subgraphs, which make dot 2.43
        # fail on large maps.
        with open(path) as f:
            source = f.read()
        check("subgraph" not in source, f"{name} has a subgraph")
        for k in (1, 2):
            check(f'cluster="{k}"' in source, f"{name} marks no node of cluster {k}")
    run = subprocess.run(["dot", "-Tplain", os.path.join(folder, "map.dot")],
                         capture_output=True, text=True)
    nodes = [line for line in run.stdout.splitlines() if line.startswith("node ")]
    edges = [line for line in run.stdout.splitlines() if line.startswith("edge ")]
    check(len(nodes) == SAMPLE_NODES, f"dot read {len(nodes)} nodes, expected {SAMPLE_NODES}")
    check(len(edges) == SAMPLE_EDGES, f"dot read {len(edges)} edges, expected {SAMPLE_EDGES}")
    # The hostile label survives as text: quote, backslash and markup intact.
    check('evil"dom\\ain' in run.stdout or 'evil\\"dom\\\\ain' in run.stdout,
          "dot lost the hostile label's quote or backslash")


# Maps of the sample world whose DOT files dot 2.43 could not lay out.
WORLD_MAPS = [
    ("--depth", "2", "auth-lakeside96.example"),
    ("--depth", "3", "100.64.165.102"),
    ("--depth", "3", "ops.ledger@mailbox.example"),
]


def build_world(folder):
    """Ingest samples/world into a store in folder, as tools/setup.sh demo does."""
    world = os.path.join(SOURCE_DIR, "samples", "world")
    db = os.path.join(folder, "world.db")
    certs = sorted(glob.glob(os.path.join(world, "certs", "*.pem")))
    run("ingest", "-q", "--source", "world-capture",
        os.path.join(world, "captures", "dns.pcap.gz"), db=db, check=0)
    run("ingest", "-q", "--source", "world-certs", *certs, db=db, check=0)
    run("whois", "--import", "-q", "--source", "world-whois", os.path.join(world, "whois"),
        db=db, check=0)
    run("asn", "--load", "-q", os.path.join(world, "asn", "ip2asn.tsv"), db=db, check=0)
    return db


def check_world_dot(folder):
    db = build_world(folder)
    for args in WORLD_MAPS:
        what = " ".join(args)
        mapped = run("map", *args, "-f", "dot", db=db)
        check(mapped.returncode == 0, f"dragnet map {what} failed: {mapped.stderr.strip()}")
        if mapped.returncode != 0:
            continue
        check("cluster=" in mapped.stdout, f"dragnet map {what}: no node has a cluster")
        render = subprocess.run(["dot", "-Tsvg"], input=mapped.stdout, capture_output=True,
                                text=True, timeout=600)
        check(render.returncode == 0, f"dot -Tsvg of map {what} failed: {render.stderr.strip()}")
        check("<svg" in render.stdout, f"dot wrote no SVG for map {what}")


NETWORKX_SCRIPT = r"""
import json, sys, networkx
g = networkx.read_graphml(sys.argv[1])
nodes = {n: dict(d) for n, d in g.nodes(data=True)}
edges = [[u, v, dict(d)] for u, v, d in g.edges(data=True)]
print(json.dumps({"multigraph": g.is_multigraph(), "nodes": nodes, "edges": edges}))
"""


def networkx_python():
    """A Python with networkx, or None."""
    for python in (sys.executable, "/usr/bin/python3"):
        if python and os.path.exists(python) and subprocess.run(
                [python, "-c", "import networkx"], capture_output=True).returncode == 0:
            return python
    return None


def check_graphml(folder, doc):
    for name in ("map.graphml", "redacted.graphml"):
        run = subprocess.run(["xmllint", "--noout", os.path.join(folder, name)],
                             capture_output=True, text=True)
        check(run.returncode == 0, f"xmllint rejects {name}: {run.stderr.strip()}")
    python = networkx_python()
    if python is None:
        print("NOTE: networkx is not installed for this python or /usr/bin/python3 "
              "(Debian package python3-networkx); skipping the NetworkX read")
        return
    run = subprocess.run([python, "-c", NETWORKX_SCRIPT, os.path.join(folder, "map.graphml")],
                         capture_output=True, text=True)
    check(run.returncode == 0, f"networkx.read_graphml failed: {run.stderr.strip()}")
    if run.returncode != 0:
        return
    g = json.loads(run.stdout)
    check(len(g["nodes"]) == SAMPLE_NODES,
          f"NetworkX read {len(g['nodes'])} nodes, expected {SAMPLE_NODES}")
    check(len(g["edges"]) == SAMPLE_EDGES,
          f"NetworkX read {len(g['edges'])} edges, expected {SAMPLE_EDGES}")
    # Attributes agree with the JSON document, node by node and edge by edge.
    for i, node in enumerate(doc["nodes"]):
        got = g["nodes"].get(f"n{i}", {})
        check(got.get("kind") == node["kind"], f"GraphML node n{i} kind {got.get('kind')}")
        check(got.get("key") == node["key"], f"GraphML node n{i} key {got.get('key')!r}")
        check(got.get("label") == node["label"].replace("\x01", "\ufffd"),
              f"GraphML node n{i} label {got.get('label')!r}")
        check(got.get("cluster") == node["cluster"],
              f"GraphML node n{i} cluster {got.get('cluster')} != {node['cluster']}")
        check(got.get("seed") == node["seed"], f"GraphML node n{i} seed {got.get('seed')}")
        check(got.get("first") == node["time_first"], f"GraphML node n{i} first")
    shared = g["nodes"]["n4"]
    check(shared.get("share") == 2314, f"GraphML share of 203.0.113.10 is {shared.get('share')}")
    check(abs(g["nodes"]["n2"].get("confidence", 0) - 0.75) < 1e-9,
          "GraphML confidence of the hostile member is not 0.75")
    relations = sorted(d["relation"] for _, _, d in g["edges"])
    check(relations == sorted(e["relation"] for e in doc["edges"]),
          "GraphML edge relations differ from the JSON edges")
    families = {d["family"] for _, _, d in g["edges"]}
    check(families == {"ip-space", "naming", "dns-hosting", "registration", "certificate"},
          f"GraphML edge families {families}")


def corpus_stix_objects():
    objects = []
    for path in glob.glob(os.path.join(corpus_dir("intel/stix21"), "**", "*.json"),
                          recursive=True) + glob.glob(
                              os.path.join(corpus_dir("intel/misp-stix"), "*stix21.json")):
        with open(path) as f:
            objects += json.load(f).get("objects", [])
    return objects


def check_stix(folder):
    corpus = corpus_stix_objects()
    corpus_keys = {}
    for o in corpus:
        corpus_keys.setdefault(o["type"], set(o.keys()))
        corpus_keys[o["type"]] &= set(o.keys())
    for name in ("map.stix.json", "redacted.stix.json"):
        with open(os.path.join(folder, name)) as f:
            bundle = json.load(f)
        check(bundle.get("type") == "bundle", f"{name}: type is not bundle")
        check(STIX_ID.match(bundle.get("id", "")) and bundle["id"].startswith("bundle--"),
              f"{name}: bad bundle id {bundle.get('id')}")
        objects = bundle.get("objects", [])
        ids = [o["id"] for o in objects]
        check(len(ids) == len(set(ids)), f"{name}: duplicate object ids")
        known = set(ids)
        for o in objects:
            t = o.get("type")
            check(t in REQUIRED, f"{name}: unexpected object type {t}")
            missing = REQUIRED.get(t, set()) - set(o)
            check(not missing, f"{name}: {o.get('id')} lacks {sorted(missing)}")
            # Every property the corpus's objects of this type all carry.
            missing = corpus_keys.get(t, set()) - set(o) - {"labels", "infrastructure_types"}
            check(not missing, f"{name}: {o.get('id')} lacks corpus properties {sorted(missing)}")
            m = STIX_ID.match(o.get("id", ""))
            check(m and m.group(1) == t, f"{name}: id {o.get('id')} does not match type {t}")
            check(o.get("spec_version") == "2.1", f"{name}: {o.get('id')} spec_version")
            for key, value in o.items():
                if key in ("created", "modified", "first_seen", "last_seen", "start_time",
                           "stop_time"):
                    check(STIX_TIME.match(value), f"{name}: {o['id']} {key} {value!r}")
                if key.endswith("_ref"):
                    check(value in known, f"{name}: {o['id']} {key} -> missing {value}")
                if key.endswith("_refs"):
                    for ref in value:
                        check(ref in known, f"{name}: {o['id']} {key} -> missing {ref}")
            if t != "identity" or o.get("name") != "dragnet":
                if t in SDO_COMMON_TYPES:
                    check(o.get("created_by_ref") in known, f"{name}: {o['id']} creator")
            # SCO ids are UUIDv5 of their ID contributing properties.
            if t in ("domain-name", "ipv4-addr", "ipv6-addr", "email-addr"):
                want = f"{t}--{uuid.uuid5(STIX_NAMESPACE, jcs({'value': o['value']}))}"
                check(o["id"] == want, f"{name}: {o['id']} should be {want}")
            if t == "autonomous-system":
                want = f"{t}--{uuid.uuid5(STIX_NAMESPACE, jcs({'number': o['number']}))}"
                check(o["id"] == want, f"{name}: {o['id']} should be {want}")
            if t == "x509-certificate":
                want = f"{t}--{uuid.uuid5(STIX_NAMESPACE, jcs({'hashes': o['hashes']}))}"
                check(o["id"] == want, f"{name}: {o['id']} should be {want}")
                check(re.match(r"^[0-9a-f]{64}$", o["hashes"].get("SHA-256", "")),
                      f"{name}: certificate hash {o['hashes']}")
            if t == "infrastructure":
                check(isinstance(o.get("confidence"), int) and 0 <= o["confidence"] <= 100,
                      f"{name}: infrastructure confidence {o.get('confidence')}")
            if t == "relationship" and o.get("stop_time"):
                check(o["stop_time"] > o["start_time"], f"{name}: {o['id']} stop_time")
        infra = [o for o in objects if o["type"] == "infrastructure"]
        check(sorted(o["confidence"] for o in infra) == [30, 94],
              f"{name}: infrastructure confidences {[o['confidence'] for o in infra]}")
        rels = [o for o in objects if o["type"] == "relationship"]
        kinds = {o["relationship_type"] for o in rels}
        for kind in ("resolves-to", "belongs-to", "consists-of", "related-to"):
            check(kind in kinds, f"{name}: no {kind} relationship")
        by_id = {o["id"]: o for o in objects}
        for r in rels:
            if r["relationship_type"] == "belongs-to":
                check(by_id[r["target_ref"]]["type"] == "autonomous-system",
                      f"{name}: belongs-to points at {r['target_ref']}")
            if r["relationship_type"] == "resolves-to":
                check(by_id[r["source_ref"]]["type"] == "domain-name",
                      f"{name}: resolves-to from {r['source_ref']}")
            if r["relationship_type"] == "related-to":
                check(r.get("description"), f"{name}: related-to {r['id']} has no description")
        consists = [r for r in rels if r["relationship_type"] == "consists-of"]
        check(all(by_id[r["source_ref"]]["type"] == "infrastructure" for r in consists),
              f"{name}: consists-of from something other than infrastructure")


SDO_COMMON_TYPES = {"identity", "infrastructure", "relationship"}


def corpus_misp_events():
    events = []
    paths = glob.glob(os.path.join(corpus_dir("intel/misp"), "**", "*.json"), recursive=True)
    paths += glob.glob(os.path.join(corpus_dir("intel/misp-stix"), "test_events_collection_*.json"))
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        if "response" in data:
            events += [r["Event"] for r in data["response"] if "Event" in r]
        elif "Event" in data:
            events.append(data["Event"])
    return events


def check_misp(folder):
    events = corpus_misp_events()
    check(len(events) >= 5, f"only {len(events)} MISP events in the corpus")
    event_keys = set.intersection(*(set(e) for e in events))
    attributes = [a for e in events for a in e.get("Attribute", [])]
    attribute_keys = set.intersection(*(set(a) for a in attributes))
    corpus_categories = {}
    for a in attributes:
        corpus_categories.setdefault(a["type"], set()).add(a["category"])
    for name in ("map.misp.json", "redacted.misp.json"):
        with open(os.path.join(folder, name)) as f:
            doc = json.load(f)
        check(set(doc) == {"Event"}, f"{name}: top level is {sorted(doc)}")
        event = doc["Event"]
        missing = event_keys - set(event)
        check(not missing, f"{name}: event lacks {sorted(missing)} that every corpus event has")
        for key in ("info", "date", "timestamp", "uuid", "threat_level_id", "analysis",
                    "distribution"):
            check(isinstance(event.get(key), str), f"{name}: event {key} is not a string")
        check(re.match(r"^\d{4}-\d{2}-\d{2}$", event["date"]), f"{name}: date {event['date']}")
        check(event["timestamp"].isdigit(), f"{name}: timestamp {event['timestamp']}")
        check(UUID.match(event["uuid"]), f"{name}: event uuid {event['uuid']}")
        check(event["threat_level_id"] in {"1", "2", "3", "4"}, f"{name}: threat level")
        check(event["analysis"] in {"0", "1", "2"}, f"{name}: analysis")
        check(event["distribution"] in {"0", "1", "2", "3", "4", "5"}, f"{name}: distribution")
        tags = [t["name"] for t in event["Tag"]]
        check('dragnet:cluster="1"' in tags and 'dragnet:cluster="2"' in tags,
              f"{name}: cluster tags {tags}")
        seen = set()
        for a in event["Attribute"]:
            missing = attribute_keys - set(a)
            check(not missing, f"{name}: attribute {a.get('value')} lacks {sorted(missing)}")
            t, cat = a["type"], a["category"]
            check(cat in MISP_CATEGORIES.get(t, set()), f"{name}: {t} filed under {cat}")
            # "text" is allowed under most categories, so only the
            # specific types must match the corpus's choice.
            if t in corpus_categories and t != "text":
                check(cat in corpus_categories[t],
                      f"{name}: {t} under {cat}, the corpus files it under {corpus_categories[t]}")
            check(isinstance(a["to_ids"], bool), f"{name}: to_ids of {a['value']}")
            check(isinstance(a["value"], str) and a["value"], f"{name}: empty value")
            check(a["timestamp"].isdigit(), f"{name}: attribute timestamp {a['timestamp']}")
            check(UUID.match(a["uuid"]), f"{name}: attribute uuid {a['uuid']}")
            check((t, a["value"]) not in seen, f"{name}: {t} {a['value']} twice")
            seen.add((t, a["value"]))
            for tag in a.get("Tag", []):
                check(isinstance(tag.get("name"), str), f"{name}: tag without a name")
        values = {a["value"] for a in event["Attribute"]}
        check("shop.example" in values and "AS64496" in values, f"{name}: values {values}")
        held = [a for a in event["Attribute"] if a["value"] == "203.0.113.10"]
        check(held and held[0]["to_ids"] is False, f"{name}: a shared IP is marked to_ids")


def check_redaction(folder):
    for ext in ("txt", "json", "dot", "graphml", "stix.json", "misp.json"):
        with open(os.path.join(folder, f"redacted.{ext}"), encoding="utf-8",
                  errors="replace") as f:
            text = f.read().lower()
        for value in PERSONAL:
            check(value not in text, f"redacted.{ext} leaks {value!r}")
        for value in KEPT[:2]:
            check(value.lower() in text, f"redacted.{ext} dropped {value!r}")


def main():
    if not SAMPLE or not os.path.exists(SAMPLE):
        skip("GRAPH_WRITE_SAMPLE is not set; run through ctest")
    for tool in ("dot", "xmllint"):
        if shutil.which(tool) is None:
            skip(f"{tool} is not installed (tools/setup.sh installs graphviz and libxml2-utils)")
    with tempfile.TemporaryDirectory() as folder:
        run = subprocess.run([SAMPLE, folder], capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr)
            sys.exit(1)
        with open(os.path.join(folder, "map.json")) as f:
            doc = json.load(f)
        check(len(doc["nodes"]) == SAMPLE_NODES, f"JSON has {len(doc['nodes'])} nodes")
        check_dot(folder)
        check_graphml(folder, doc)
        check_stix(folder)
        check_misp(folder)
        check_redaction(folder)
        check_world_dot(folder)
    for message in failures:
        print(f"FAIL: {message}")
    if failures:
        sys.exit(1)
    print("graph formats: DOT, GraphML, STIX and MISP checks passed")


if __name__ == "__main__":
    main()
