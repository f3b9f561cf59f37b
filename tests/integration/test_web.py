"""The web view in headless Chromium against a `dragnet serve` this test starts on loopback.

web/test/e2e.mjs drives the browser with playwright-core: it enters the key, searches, reads
the timeline, WHOIS history and certificates, then opens the map to click a node and an edge,
expand, filter and export. Every view shows hostile values, which must stay text. This file
checks what the page showed against the records the test stored."""
import http.client
import json
import os
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(__file__))
import dnstest  # noqa: E402
import webtest  # noqa: E402
from webtest import HOSTILE_DOMAIN, HOSTILE_PDNS, XSS_IMG, XSS_SCRIPT, XSS_SVG  # noqa: E402

WEB = os.path.join(dnstest.SOURCE_DIR, "web")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# A domain the first map reaches at its last hop, so expanding it adds nodes.
EXPAND = "domain:login.paypa1-secure.example"
# Searched after the first query in the same tab, with the map opened again.
SECOND_QUERY = "paypa1-secure.example"
# The registrant email of the first WHOIS document of hostile.example only.
EMAIL = webtest.HOSTILE_WHOIS[0]["email"]
# Overlapping searches: the test delays the response to SLOW_QUERY until FAST_QUERY's results show.
SLOW_QUERY = "paypa1-secure.example"
FAST_QUERY = "203.0.113.10"
# The name server of paypa1-secure.example in samples/provider-export.json.
NAME_SERVER = "ns1.bulletproof-dns.example"
# Not an indicator of any kind, so /api/v1/search rejects it with 400.
FAILED_QUERY = "%%%"
# The capped server returns fewer pDNS records than hostile.example has.
CAPPED_RESULTS = 2


def missing(reason):
    """Skip when a tool is absent on a developer's machine, but fail in CI, where
    tools/setup.sh installs every one."""
    if os.environ.get("CI"):
        raise AssertionError(f"{reason} (tools/setup.sh test installs it)")
    dnstest.skip(reason)


def check_tools():
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"{CHROMIUM} not found: install Debian's chromium package")
    if shutil.which("node") is None:
        missing("node not found: install Debian's nodejs package")
    if not os.path.isdir(os.path.join(WEB, "node_modules", "playwright-core")):
        missing("web/node_modules/playwright-core not found: run 'npm ci' in web/")
    if not os.path.isfile(os.path.join(WEB, "dist", "static", "app.js")):
        missing("web/dist not built: run web/build.sh")


def cli_map(db, *seeds):
    """The map `dragnet map` prints for seeds, as parsed JSON: the oracle of the page's graph."""
    proc = dnstest.run("map", "--format", "json", *seeds, db=db)
    assert proc.returncode in (0, 1), f"dragnet map {seeds} exited {proc.returncode}: {proc.stderr}"
    return json.loads(proc.stdout)


def node_ids(graph):
    return {f"{n['kind']}:{n['key']}" for n in graph["nodes"]}


def native_api_registered(server, key):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request("GET", f"/api/v1/search?q={HOSTILE_DOMAIN}", headers={"X-Api-Key": key})
        response = conn.getresponse()
        response.read()
        return response.status != 404
    finally:
        conn.close()


def run_browser(server, capped, key, cert, out_dir):
    from cryptography.hazmat.primitives import hashes

    env = dict(os.environ, DRAGNET_URL=server.url, DRAGNET_KEY=key, QUERY=HOSTILE_DOMAIN,
               OUT_DIR=out_dir, CHROMIUM=CHROMIUM, MAP_EXPAND=EXPAND, SECOND_QUERY=SECOND_QUERY,
               EMAIL=EMAIL, CERT_SHA256=cert.fingerprint(hashes.SHA256()).hex(),
               SLOW_QUERY=SLOW_QUERY, FAST_QUERY=FAST_QUERY, NS_QUERY=f"ns:{NAME_SERVER}",
               FAILED_QUERY=FAILED_QUERY, CAPPED_URL=capped.url)
    proc = subprocess.run(["node", os.path.join(WEB, "test", "e2e.mjs")], env=env, cwd=WEB,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"e2e.mjs exited {proc.returncode}:\n{proc.stderr}"
    result = json.loads(proc.stdout)
    with open(os.path.join(out_dir, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    assert "error" not in result, f"browser run failed after steps {result['steps']}:\n" \
                                  f"{result['error']}\nserver log:\n{server.text()[-3000:]}"
    return result


def check_loopback_only(result, *servers):
    servers = {(s.host, s.port) for s in servers}
    assert result["requests"], "the page made no request"
    for url in result["requests"]:
        parts = urlsplit(url)
        if parts.scheme in ("blob", "data"):
            continue
        assert (parts.hostname, parts.port) in servers, \
            f"the page requested {url}, outside the test's servers"


def check_clean_console(result):
    assert result["dialogs"] == [], f"dialogs opened: {result['dialogs']}"
    assert result["pageErrors"] == [], f"page errors: {result['pageErrors']}"
    # The one failure expected is the search for FAILED_QUERY, which Chromium also logs.
    rejected = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert result["consoleErrors"] == [rejected], \
        f"console errors (CSP?): {result['consoleErrors']}"
    failed = [r for r in result["failedResponses"] if "/api/v1/search?q=%25%25%25" not in r]
    assert failed == [], f"failed responses: {failed}"
    assert len(result["failedResponses"]) == 1, f"failed responses: {result['failedResponses']}"
    csp = result["indexHeaders"].get("content-security-policy", "")
    assert "default-src 'self'" in csp, f"index.html Content-Security-Policy {csp!r}"


def check_pdns(result):
    # One row per rdata, in order of first seen, then by label.
    records = sorted(HOSTILE_PDNS, key=lambda r: (r[3], f"{r[1]} ({r[0]})"))
    expected_rows = [f"{rdata} ({rrtype})" for rrtype, rdata, *_ in records]
    assert result["timelineRows"] == expected_rows, \
        f"timeline rows {result['timelineRows']}, expected {expected_rows}"
    assert result["timelineBars"] == len(HOSTILE_PDNS), f"bars {result['timelineBars']}"
    cells = result["pdnsCells"]
    assert f'"{XSS_SCRIPT}"' in cells, f"the TXT record is not shown as text: {cells}"
    for rrtype, rdata, count, *_ in HOSTILE_PDNS:
        assert rdata in cells, f"rdata {rdata} missing from the table"


def check_whois(result):
    assert result["whoisDocs"] == len(webtest.HOSTILE_WHOIS), f"documents {result['whoisDocs']}"
    fields = [tuple(row) for row in result["whoisFields"]]
    for row in [("registrar", f"{XSS_SCRIPT} Registrar"), ("registrant name", XSS_IMG),
                ("registrant org", XSS_SCRIPT), ("registrant street", XSS_SVG),
                ("registrant email", webtest.HOSTILE_WHOIS[0]["email"])]:
        assert row in fields, f"WHOIS field {row} missing: {fields}"
    old, new = webtest.HOSTILE_WHOIS
    expected = [["-", "updated", old["updated"]], ["+", "updated", new["updated"]],
                ["-", "registrant email", old["email"]], ["+", "registrant email", new["email"]]]
    assert result["whoisDiff"] == expected, f"WHOIS diff {result['whoisDiff']}, expected {expected}"


def check_certs(result, cert):
    from cryptography.hazmat.primitives import hashes

    cells = result["certCells"]
    subject = cert.subject.rfc4514_string()
    assert cells[0] == subject, f"certificate subject {cells[0]!r}, expected {subject!r}"
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    assert fingerprint in cells, f"SHA-256 {fingerprint} missing: {cells}"
    assert f"DNS:{HOSTILE_DOMAIN}" in cells[2], f"certificate names {cells[2]!r}"
    assert f"DNS:www.{HOSTILE_DOMAIN}" in cells[2], f"certificate names {cells[2]!r}"


def check_map(result, db):
    first = cli_map(db, HOSTILE_DOMAIN)
    shown = {n["id"] for n in result["mapBefore"]["nodes"]}
    assert shown == node_ids(first), f"map nodes {sorted(shown ^ node_ids(first))} differ " \
                                     "from dragnet map's"
    assert result["mapBefore"]["edges"] == len(first["edges"]), "map edge count"
    labels = {n["label"] for n in result["mapBefore"]["nodes"]}
    for value in (XSS_IMG, XSS_SCRIPT, XSS_SVG):
        assert value in labels, f"node label {value!r} missing: {sorted(labels)}"

    panel = result["nodePanel"]
    assert panel.startswith(f"domain {HOSTILE_DOMAIN}"), f"node panel {panel[:200]!r}"
    assert "seedyes" in panel, f"node panel does not mark the seed: {panel[:300]!r}"
    assert "confidence" in panel, f"node panel shows no confidence: {panel[:300]!r}"

    evidence = result["edgeEvidence"]
    assert evidence[0] == "pdns", f"edge evidence store {evidence}"
    by_detail = {f"{rrtype} {rdata}": count for rrtype, rdata, count, *_ in HOSTILE_PDNS}
    assert evidence[2] in by_detail, f"edge evidence detail {evidence[2]!r}"
    assert evidence[5] == str(by_detail[evidence[2]]), f"edge evidence count {evidence}"

    # Expanding merges the map of both seeds into the first.
    assert EXPAND in node_ids(first), f"{EXPAND} is not in the first map"
    both = cli_map(db, HOSTILE_DOMAIN, EXPAND)
    merged = node_ids(first) | node_ids(both)
    assert len(merged) > len(node_ids(first)), f"expanding {EXPAND} adds nothing in dragnet map"
    expanded = {n["id"] for n in result["mapExpanded"]["nodes"]}
    assert expanded == merged, f"expanded map differs in {sorted(expanded ^ merged)}"

    # Only the first family stays checked: its edges stay visible, no other.
    family = result["families"][0]
    edges = {}
    for graph in (first, both):
        for e in graph["edges"]:
            key = (e["from"]["kind"], e["from"]["key"], e["to"]["kind"], e["to"]["key"],
                   e["relation"])
            edges[key] = e["family"]
    visible = sum(1 for f in edges.values() if f == family)
    filtered = result["mapFiltered"]
    assert filtered["checked"] == [family], f"families checked: {filtered['checked']}"
    assert filtered["visibleEdges"] == visible, \
        f"{filtered['visibleEdges']} edges visible with only {family}, expected {visible} " \
        f"({filtered['filteredEdges']} of {filtered['edges']} hidden)"
    assert result["dotExport"].startswith("digraph"), f"DOT export {result['dotExport'][:80]!r}"


def tab(found, name):
    return next(t for t in found["tabs"] if t["id"] == f"tab-{name}")


def selected_tab(found):
    return [t["id"] for t in found["tabs"] if t["selected"]]


def check_summary(result):
    expected = f"{HOSTILE_DOMAIN} is a domain: {len(HOSTILE_PDNS)} pDNS records, " \
               f"{len(webtest.HOSTILE_WHOIS)} WHOIS documents, 1 certificate."
    assert result["summary"] == expected, f"summary {result['summary']!r}, expected {expected!r}"


def check_second_search(result, db):
    second = result["second"]
    assert second["summary"].startswith(f"{SECOND_QUERY} is a domain: "), \
        f"second summary {second['summary']!r}"
    expected = len(cli_map(db, SECOND_QUERY)["nodes"])
    assert second["mapNodes"] == expected, \
        f"second map has {second['mapNodes']} nodes, dragnet map {expected}"


def check_reverse_whois(result, db):
    found = result["email"]
    assert found["summary"] == f"{EMAIL} is an email address: 1 domain in WHOIS, 0 certificates.", \
        f"email summary {found['summary']!r}"
    assert tab(found, "pdns")["disabled"], f"pDNS tab enabled for an email: {found['tabs']}"
    assert not tab(found, "whois")["disabled"], f"WHOIS tab disabled: {found['tabs']}"
    assert selected_tab(found) == ["tab-whois"], f"email search opened {selected_tab(found)}"
    rows = found["reverseWhois"]
    assert [row[0] for row in rows] == [HOSTILE_DOMAIN], f"reverse WHOIS rows {rows}"
    assert rows[0][1] == "registrant email", f"reverse WHOIS fields {rows[0]}"
    expected = len(cli_map(db, EMAIL)["nodes"])
    assert found["mapNodes"] == expected, \
        f"email map has {found['mapNodes']} nodes, dragnet map {expected}"


def check_cert_search(result, cert):
    from cryptography.hazmat.primitives import hashes

    found = result["cert"]
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    assert found["summary"] == f"{fingerprint} is a certificate hash: 1 certificate.", \
        f"certificate summary {found['summary']!r}"
    assert selected_tab(found) == ["tab-certs"], f"hash search opened {selected_tab(found)}"
    assert tab(found, "pdns")["disabled"], f"pDNS tab enabled for a hash: {found['tabs']}"
    assert tab(found, "whois")["disabled"], f"WHOIS tab enabled for a hash: {found['tabs']}"
    assert tab(found, "certs")["text"] == "Certificates (1)", f"tabs {found['tabs']}"
    assert fingerprint in found["certCells"], f"certificate table {found['certCells']}"


def check_tabs_hidden_at_start(result):
    assert not result["tabsShownAtStart"], "the tab bar shows before the first search"


def check_overlapping_searches(result):
    overlap = result["overlap"]
    assert overlap["summary"].startswith(f"{FAST_QUERY} is an IP address"), \
        f"summary {overlap['summary']!r} after the delayed search for {SLOW_QUERY} returned"
    assert overlap["tabs"][1] == "WHOIS (n/a)", f"tabs {overlap['tabs']} are not the IP's"
    rdata = {row[2] for row in overlap["pdnsRows"]}
    assert rdata == {FAST_QUERY}, f"pDNS rdata {sorted(rdata)}, expected only {FAST_QUERY}"
    names = {row[0].rstrip(".") for row in overlap["pdnsRows"]}
    assert HOSTILE_DOMAIN in names, f"pDNS names {sorted(names)}"


def check_name_server_search(result):
    found = result["ns"]
    assert found["summary"].startswith(f"ns:{NAME_SERVER} is a name server"), \
        f"name server summary {found['summary']!r}"
    rows = found["pdnsRows"]
    assert rows, f"no pDNS records for {NAME_SERVER}: {found['pdnsOut']!r}"
    names = {row[0].rstrip(".") for row in rows}
    assert names == {"paypa1-secure.example"}, f"domains delegated to {NAME_SERVER}: {names}"
    for row in rows:
        assert row[1] == "NS", f"pDNS row {row} is not an NS record"
        assert row[2].rstrip(".") == NAME_SERVER, f"pDNS row {row} names another server"


def check_failed_search(result):
    failed = result["failed"]
    assert failed["status"].startswith("Error 400: "), f"status {failed['status']!r}"
    assert failed["summary"] == "", f"summary left from before: {failed['summary']!r}"
    assert failed["tabsHidden"], "tabs left from before the failed search"
    assert not failed["tabsShown"], "the tab bar shows after the failed search"
    assert failed["views"] == ["", "", "", ""], f"views left from before: {failed['views']}"
    assert not failed["cy"], "map left from before the failed search"


def check_capped(result):
    capped = result["capped"]
    assert tab(capped, "pdns")["text"] == f"pDNS ({CAPPED_RESULTS}+)", f"tabs {capped['tabs']}"
    assert f"{CAPPED_RESULTS} or more pDNS records" in capped["summary"], \
        f"capped summary {capped['summary']!r}"
    assert capped["rows"] == CAPPED_RESULTS, f"capped pDNS rows {capped['rows']}"
    expected = f"{CAPPED_RESULTS} pDNS records shown, more available for {HOSTILE_DOMAIN}."
    assert capped["status"] == expected, f"capped status {capped['status']!r}"


def check_no_injection(result):
    found = result["injection"]
    assert found["xss"] is None, f"a hostile value ran: window.__xss = {found['xss']}"
    assert found["images"] == 0, f"{found['images']} <img> elements came from the data"
    assert found["scripts"] == ["/static/app.js"], f"scripts {found['scripts']}"
    assert found["svgOutsideTimeline"] == 0, "an <svg> element came from the data"
    assert found["handlers"] == [], f"event handler attributes {found['handlers']}"
    assert XSS_IMG in found["bodyText"], "the hostile WHOIS value is not shown as text"
    after = result["injectionAfter"]
    assert after["xss"] is None, f"a hostile value ran later: window.__xss = {after['xss']}"
    assert after["images"] == 0, f"{after['images']} <img> elements came from the data later"


def check_screenshots(out_dir):
    for name in ("pdns.png", "map.png", "page.png"):
        path = os.path.join(out_dir, name)
        with open(path, "rb") as f:
            head = f.read(8)
        assert head == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
        assert os.path.getsize(path) > 10000, f"{path} is nearly empty"


def main():
    check_tools()
    tmp = dnstest.scratch()
    db, cert = webtest.build_store(tmp)
    key = webtest.add_key(db)
    server = webtest.Server(db)
    capped = webtest.Server(db, "--max-results", str(CAPPED_RESULTS))
    try:
        if not native_api_registered(server, key):
            dnstest.skip("dragnet serve has no /api/v1 routes in this build; the web view "
                         "needs the native API")
        out_dir = os.path.join(tmp, "browser")
        result = run_browser(server, capped, key, cert, out_dir)
    finally:
        server.stop()
        capped.stop()
    for check in (lambda: check_loopback_only(result, server, capped),
                  lambda: check_clean_console(result), lambda: check_summary(result),
                  lambda: check_pdns(result), lambda: check_whois(result),
                  lambda: check_certs(result, cert), lambda: check_map(result, db),
                  lambda: check_second_search(result, db), lambda: check_reverse_whois(result, db),
                  lambda: check_cert_search(result, cert),
                  lambda: check_tabs_hidden_at_start(result),
                  lambda: check_overlapping_searches(result),
                  lambda: check_name_server_search(result), lambda: check_failed_search(result),
                  lambda: check_capped(result),
                  lambda: check_no_injection(result), lambda: check_screenshots(out_dir)):
        check()
    print(f"ok: web view checked in Chromium; screenshots in {out_dir}")


if __name__ == "__main__":
    main()
