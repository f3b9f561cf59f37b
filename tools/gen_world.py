#!/usr/bin/env python3
"""Write a synthetic world for `dragnet map`, with its ground truth.

The world is the evidence an analyst would have about several operators of
malicious domains and the benign domains around them. It consists of a DNS
capture (captures/dns.pcap.gz), saved WHOIS responses (whois/), certificates
as PEM bundles (certs/) and an IP-to-ASN table in ip2asn TSV
(asn/ip2asn.tsv). truth.json names the operator of every registrable domain
("noise" for benign ones) and a seed domain per operator.

Each operator has its own habits, and no single signal family finds them all:

- ledger: one registrant email (some with a "+tag") under varying names;
  hosting on shared CDN addresses, popular DNS hosting, public-CA
  certificates. Only the email links it.
- quill: registrant phone numbers that differ only in the last digit, which
  runs in sequence; names, emails and addresses differ.
- veil: WHOIS behind a privacy service, but all its domains use one rare
  address and its certificates share one key (SPKI).
- harbor: WHOIS redacted, addresses on the shared CDN, but its own
  nameservers (ns1/ns2 under its first domain).
- kestrel: a shared hosting address that many benign domains also use, and
  one registrant organisation and street address under varying names.
- drift: moves from two addresses to two others after two months, and a
  benign tenant takes over the old ones a month later, so only the
  time-overlap rule keeps that tenant apart. Its domains share an MX host.

Two case studies are optional. --ring adds the 47-domain WHOIS fraud ring of
samples/make_whois.py: 44 domains of the operator "ring", and 3 with
unrelated phone numbers as noise. --blue-lantern N adds N self-signed
certificates whose issuer organisation is "Blue Lantern Hosting", each with
its own key and domain, as samples/certs/make_shared_issuer.sh makes them.

Benign noise: domains on shared CDN and hosting addresses, popular DNS
hosting nameservers and a shared mail host, public-CA certificates (a few
self-signed), WHOIS behind privacy services, redacted or with a contact of
their own.

shared-infra.txt lists the world's shared providers (the CDN and shared
hosting networks, the DNS and mail hosts, the public CAs) in the layout of
data/shared-infra.txt, as an analyst would add local providers to that
list. Without it, these providers are told apart from operators only by
how many domains share them, which in a small world is not many.

Only names under .example and documentation resources are used: addresses
from 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32, and,
because those three /24s are too small for a world of shared hosting,
100.64.0.0/10 (RFC 6598 shared address space, never routed on the
Internet). AS numbers come from the documentation ranges 64496-64511 and
65536-65551 (RFC 5398). Phone numbers are in Ofcom's ranges for drama
and in the North American 555-0100 to 555-0199, which are reserved for
fiction.

Keys are Ed25519 keys derived from the seed, and Ed25519 signatures are
deterministic, so the same options write the same bytes. Needs
pyca/cryptography (2.8 or later; Debian 12 ships 38).

Usage: gen_world.py OUTPUT_DIR [--seed N] [--operators N] [--domains N]
                    [--noise N] [--ring] [--blue-lantern N]
"""

import argparse
import datetime
import ipaddress
import json
import os
import random
import re
import shutil
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "samples")
sys.path.insert(0, SAMPLES)
import make_sample  # noqa: E402  DNS messages, frames and the pcap writer
import make_whois  # noqa: E402  the ICANN response layout and the fraud ring

START = 1735689600  # 2025-01-01T00:00:00Z
DAYS = 181          # to 2025-06-30
DAY = 86400

OPERATORS = ["ledger", "quill", "veil", "harbor", "kestrel", "drift"]

# Providers of the ASN table: (first, last, ASN, country, description).
ASN_TABLE = [
    ("100.64.0.0", "100.64.255.255", 64496, "US", "EXAMPLE-CDN Example CDN Inc"),
    ("100.65.0.0", "100.65.255.255", 64497, "DE", "EXAMPLE-SHARED Shared Web Hosting GmbH"),
    ("100.66.0.0", "100.66.255.255", 64498, "NL", "EXAMPLE-VPS Small VPS BV"),
    ("100.67.0.0", "100.67.255.255", 65536, "SE", "EXAMPLE-CLOUD Example Cloud AB"),
    ("192.0.2.0", "192.0.2.255", 64499, "SC", "EXAMPLE-OFFSHORE Offshore Servers Ltd"),
    ("198.51.100.0", "198.51.100.255", 65537, "US", "EXAMPLE-DNSHOST Example DNS Hosting"),
    ("203.0.113.0", "203.0.113.255", 65538, "IE", "EXAMPLE-MAIL Example Mail Services"),
    ("2001:db8:100::", "2001:db8:100:ffff:ffff:ffff:ffff:ffff", 64496, "US",
     "EXAMPLE-CDN Example CDN Inc"),
    ("2001:db8:300::", "2001:db8:300:ffff:ffff:ffff:ffff:ffff", 64498, "NL",
     "EXAMPLE-VPS Small VPS BV"),
]

# Popular DNS hosting: many benign domains and some operators use it.
DNS_HOSTS = [
    ["ns1.bigdns.example", "ns2.bigdns.example"],
    ["ns-a.dnshost.example", "ns-b.dnshost.example", "ns-c.dnshost.example"],
    ["ns1.cheap-dns.example", "ns2.cheap-dns.example"],
]
SHARED_MX = "mx1.mailhost.example"
REGISTRARS = [
    ("Example Registrar, LLC", "9999", "whois.registrar.example", "abuse@registrar.example",
     "+1.5555550100"),
    ("Sample Names Ltd", "9998", "whois.samplenames.example", "abuse@samplenames.example",
     "+44.2079460999"),
    ("Budget Domains SA", "9997", "whois.budget-domains.example",
     "abuse@budget-domains.example", "+1.5555550111"),
]
PUBLIC_CAS = ["Example Public Trust CA", "Sample Web Authority"]

ADJECTIVES = ["amber", "brisk", "cedar", "dapple", "ember", "fable", "gable", "hazel",
              "indigo", "juniper", "kindle", "linen", "maple", "nimble", "olive", "pebble",
              "quartz", "russet", "saffron", "tidal", "umber", "velvet", "willow", "yarrow"]
NOUNS = ["bakery", "garden", "studio", "travel", "books", "clinic", "tools", "crafts",
         "dental", "fitness", "market", "photo", "school", "tailor", "water", "coffee",
         "cycles", "florist", "law", "music", "pets", "print", "roofing", "yoga"]
LURES = ["secure", "verify", "account", "payment", "wallet", "refund", "billing", "support",
         "update", "login", "invoice", "parcel", "track", "notice", "portal", "auth"]
BRANDS = ["northbank", "crestline", "meridian", "oakcredit", "unionpay", "harbour", "lakeside",
          "summit", "pinecrest", "redfern", "bluegate", "silverline"]
FIRST = ["Oliver", "Amelia", "Harry", "Isla", "Jack", "Ava", "George", "Mia", "Noah", "Emily",
         "Leo", "Grace", "Oscar", "Sophie", "Arthur", "Lily", "Freya", "Henry", "Ella",
         "Charlie", "Evie", "Theo", "Poppy", "Ruby", "Alfie", "Rosie"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
        "Patel", "Wright", "Robinson", "Walker", "Thompson", "White", "Hughes", "Edwards",
        "Green", "Hall", "Wood", "Harris", "Clarke", "Turner", "Lewis", "Moore"]
CITIES = [("Leeds", "LS1 4AP"), ("Bristol", "BS1 5TR"), ("Croydon", "CR0 2AB"),
          ("Luton", "LU1 2EE"), ("Slough", "SL1 1XW"), ("York", "YO1 7HH")]
# A privacy service named in data/privacy-services.txt, with an invented
# address and number.
PRIVACY = {"name": "Privacy Agent", "org": "Withheld for Privacy ehf",
           "street": "PO Box 100", "city": "Reykjavik", "state": "", "postal": "101",
           "country": "IS", "phone": "+354.5550188"}
REDACTED = {"name": "REDACTED FOR PRIVACY", "org": "", "street": "REDACTED FOR PRIVACY",
            "city": "REDACTED FOR PRIVACY", "state": "", "postal": "REDACTED FOR PRIVACY",
            "country": "GB", "phone": "REDACTED FOR PRIVACY",
            "email": "Please query the RDDS service of the Registrar of Record identified "
                     "in this output for information on how to contact the Registrant, "
                     "Admin, or Tech contact of the queried domain name."}


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class AddressPool:
    """Hands out distinct addresses from one network, in a seeded order."""

    def __init__(self, rng, network, skip=16):
        self.net = ipaddress.ip_network(network)
        self.rng = rng
        self.used = set()
        self.skip = skip  # the first host numbers are never handed out

    def take(self):
        span = min(self.net.num_addresses - 2, 1 << 20) - self.skip
        while True:
            addr = str(self.net.network_address + self.skip + self.rng.randrange(span))
            if addr not in self.used:
                self.used.add(addr)
                return addr


class World:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.truth = {}          # registrable domain -> operator or "noise"
        self.operators = {}      # operator -> {"habits": str, "domains": [...]}
        self.dns = []            # (domain, first_day, last_day, plan dict)
        self.whois = []          # (file name, text)
        self.certs = {}          # bundle name -> [PEM bytes]
        self.names = set()
        self.cdn = AddressPool(self.rng, "100.64.0.0/16")
        self.shared = AddressPool(self.rng, "100.65.0.0/16")
        self.vps = AddressPool(self.rng, "100.66.0.0/16")
        self.cloud = AddressPool(self.rng, "100.67.0.0/16")
        self.cdn6 = AddressPool(self.rng, "2001:db8:100::/48")
        self.vps6 = AddressPool(self.rng, "2001:db8:300::/48")
        # Shared addresses: a CDN edge or a shared web server carries many
        # unrelated domains; sized so that each carries about 20.
        size = max(args.noise, 40)
        self.cdn_edges = [self.cdn.take() for _ in range(max(2, size // 20))]
        self.shared_hosts = [self.shared.take() for _ in range(max(2, size // 20))]
        self.ca_keys = {}
        self.ca_certs = {}
        self.in_use = set()      # registrant names, streets and phone area codes

    # ---- names, people and keys ----

    def new_name(self, make):
        while True:
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name

    def lure_domain(self):
        r = self.rng
        return self.new_name(lambda: f"{r.choice(LURES)}-{r.choice(BRANDS)}"
                                     f"{r.randrange(10, 100)}.example")

    def benign_domain(self):
        r = self.rng
        return self.new_name(lambda: f"{r.choice(ADJECTIVES)}{r.choice(NOUNS)}"
                                     f"{r.randrange(1, 1000)}.example")

    def unique(self, make, tries=200):
        """Draw values from make() until one is new. Unrelated registrants
        thus never share a name, street or area code by chance."""
        for _ in range(tries):
            value = make()
            if value not in self.in_use:
                self.in_use.add(value)
                return value
        raise SystemExit("gen_world.py: too many registrants for the invented names and "
                         "numbers; lower --noise or --domains")

    def phone(self):
        # NANP numbers 555-0100 to 555-0199 are reserved for fiction. Each
        # person gets an area code of their own, so no two numbers share more
        # than the first digits and none look like a run of near numbers.
        area = self.unique(lambda: f"+1.{self.rng.randrange(201, 990)}")
        return f"{area}55501{self.rng.randrange(100):02d}"

    def person(self, domain):
        """Make up a registrant with a mailbox at domain."""
        r = self.rng
        first, last = self.unique(lambda: (r.choice(FIRST), r.choice(LAST)))
        city, postal = r.choice(CITIES)
        street = self.unique(lambda: f"{r.randrange(1, 300)} "
                                     f"{r.choice(['Cedar', 'Elm', 'Park', 'Victoria'])} "
                                     f"{r.choice(['Avenue', 'Close', 'Gardens'])}")
        return {"name": f"{first} {last}", "org": "", "street": street, "city": city,
                "postal": postal, "country": "GB", "phone": self.phone(),
                "email": f"{first.lower()}.{last.lower()}@{domain}"}

    def privacy_contact(self, domain):
        # A privacy service forwards mail through a per-domain address.
        token = "%08x" % (make_whois.hash_of(domain) & 0xffffffff)
        return dict(PRIVACY, email=f"{token}@privacy-proxy.example")

    def key(self):
        return ed25519.Ed25519PrivateKey.from_private_bytes(self.rng.randbytes(32))

    # ---- certificates ----

    def certificate(self, subject, issuer, issuer_key, public_key, sans, day, ca=False):
        not_before = datetime.datetime(2025, 1, 1) + datetime.timedelta(days=day)
        builder = (x509.CertificateBuilder()
                   .subject_name(subject)
                   .issuer_name(issuer)
                   .public_key(public_key)
                   .serial_number(self.rng.randrange(1 << 64, 1 << 127))
                   .not_valid_before(not_before)
                   .not_valid_after(not_before + datetime.timedelta(days=397 if not ca
                                                                    else 3650))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                                  critical=True))
        if sans:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
        return builder.sign(issuer_key, None).public_bytes(serialization.Encoding.PEM)

    def public_ca(self, org):
        if org not in self.ca_keys:
            key = self.key()
            name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                              x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                              x509.NameAttribute(NameOID.COMMON_NAME, f"{org} R1")])
            self.ca_keys[org] = (key, name)
            pem = self.certificate(name, name, key, key.public_key(), [], -400, ca=True)
            self.certs.setdefault(bundle_of(org), []).append(pem)
        return self.ca_keys[org]

    def ca_issued(self, domain, day, org=None, key=None):
        """Issue a certificate for domain and www.domain from a public CA."""
        org = org or self.rng.choice(PUBLIC_CAS)
        ca_key, ca_name = self.public_ca(org)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
        public = (key or self.key()).public_key()
        pem = self.certificate(subject, ca_name, ca_key, public, [domain, f"www.{domain}"], day)
        self.certs[bundle_of(org)].append(pem)

    def self_signed(self, domain, org, country, day, bundle, key=None):
        key = key or self.key()
        name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                          x509.NameAttribute(NameOID.COMMON_NAME, domain)])
        pem = self.certificate(name, name, key, key.public_key(), [domain, f"www.{domain}"], day)
        self.certs.setdefault(bundle, []).append(pem)

    # ---- WHOIS ----

    def register(self, domain, registrant, nameservers, day, registrar=None):
        created = START + (day - self.rng.randrange(1, 30)) * DAY + self.rng.randrange(DAY)
        observed = START + (day + 1) * DAY
        text = make_whois.response(
            domain, iso(created), iso(created), iso(created + 365 * DAY), registrant,
            nameservers, iso(observed), registrar=registrar or self.rng.choice(REGISTRARS))
        self.whois.append((f"{domain}.txt", text))

    # ---- DNS ----

    def host(self, domain, first, last, a=(), aaaa=(), ns=(), mx=None, www=True):
        self.dns.append((domain, first, last, {"A": list(a), "AAAA": list(aaaa),
                                               "NS": list(ns), "MX": mx, "www": www}))

    def claim(self, domain, owner):
        self.truth[domain] = owner
        if owner != "noise":
            self.operators[owner]["domains"].append(domain)

    def operator(self, name, habits):
        self.operators[name] = {"habits": habits, "domains": []}

    # ---- the operators ----

    def ledger(self, n):
        self.operator("ledger", "one registrant email (with +tags) under varying names")
        email = "ops.ledger@mailbox.example"
        for i in range(n):
            d = self.lure_domain()
            day = self.rng.randrange(0, 120)
            contact = self.person(d)
            contact["email"] = email if i % 2 == 0 else email.replace("@", f"+d{i}@")
            ns = self.rng.choice(DNS_HOSTS)
            self.register(d, contact, ns, day)
            self.host(d, day, DAYS - 1, a=[self.rng.choice(self.cdn_edges)], ns=ns)
            self.ca_issued(d, day)
            self.claim(d, "ledger")

    def quill(self, n):
        self.operator("quill", "registrant phones that differ only in a sequential last digit")
        # 0116 496 014x is in Ofcom's drama range for Leicester. The last
        # digit runs on and wraps after 9.
        start = self.rng.randrange(10)
        for i in range(n):
            d = self.lure_domain()
            day = 10 + i * 2
            contact = self.person(d)
            contact["phone"] = f"+44.116496014{(start + i) % 10}"
            ns = self.rng.choice(DNS_HOSTS)
            self.register(d, contact, ns, day)
            self.host(d, day, DAYS - 1, a=[self.rng.choice(self.shared_hosts)], ns=ns)
            self.ca_issued(d, day)
            self.claim(d, "quill")

    def veil(self, n):
        self.operator("veil", "privacy-proxied WHOIS, one rare address and one certificate key")
        address = self.vps.take()
        address6 = self.vps6.take()
        key = self.key()
        for i in range(n):
            d = self.lure_domain()
            day = self.rng.randrange(0, 120)
            ns = self.rng.choice(DNS_HOSTS)
            self.register(d, self.privacy_contact(d), ns, day)
            self.host(d, day, DAYS - 1, a=[address], aaaa=[address6] if i % 2 else [], ns=ns)
            self.ca_issued(d, day, key=key)
            self.claim(d, "veil")

    def harbor(self, n):
        self.operator("harbor", "redacted WHOIS, CDN addresses, its own nameservers")
        domains = [self.lure_domain() for _ in range(n)]
        ns = [f"ns1.{domains[0]}", f"ns2.{domains[0]}"]
        self.host(ns[0], 0, DAYS - 1, a=[self.vps.take()], www=False)
        self.host(ns[1], 0, DAYS - 1, a=[self.vps.take()], www=False)
        for d in domains:
            day = self.rng.randrange(0, 120)
            self.register(d, REDACTED, ns, day)
            self.host(d, day, DAYS - 1, a=[self.rng.choice(self.cdn_edges)],
                      aaaa=[self.cdn6.take()], ns=ns)
            self.ca_issued(d, day)
            self.claim(d, "harbor")

    def kestrel(self, n):
        self.operator("kestrel", "a shared hosting address that benign domains use, and one "
                                 "registrant organisation and street under varying names")
        address = self.shared_hosts[0]
        for _ in range(n):
            d = self.lure_domain()
            day = self.rng.randrange(0, 120)
            contact = self.person(d)
            contact.update(org="Kestrel Media Group", street="77 Quayside Walk",
                           city="Hull", postal="HU1 1UU")
            ns = self.rng.choice(DNS_HOSTS)
            self.register(d, contact, ns, day)
            self.host(d, day, DAYS - 1, a=[address], ns=ns, mx=SHARED_MX)
            self.ca_issued(d, day)
            self.claim(d, "kestrel")

    def drift(self, n):
        self.operator("drift", "moves address after two months; a benign tenant takes the "
                               "old ones later; one MX host")
        domains = [self.lure_domain() for _ in range(n)]
        old = ["192.0.2.10", "192.0.2.11"]
        new = ["192.0.2.20", "192.0.2.21"]
        mx = f"mail.{domains[0]}"
        self.host(mx, 0, DAYS - 1, a=["192.0.2.25"], www=False)
        for i, d in enumerate(domains):
            ns = self.rng.choice(DNS_HOSTS)
            self.register(d, self.privacy_contact(d), ns, 0)
            self.host(d, 0, 59, a=[old[i % 2]], ns=ns, mx=mx)
            self.host(d, 60, DAYS - 1, a=[new[i % 2]], ns=ns, mx=mx)
            self.ca_issued(d, 0)
            self.claim(d, "drift")
        # The benign tenants of the old addresses, from the fourth month.
        for address in old:
            d = self.benign_domain()
            ns = self.rng.choice(DNS_HOSTS)
            self.register(d, self.person(d), ns, 90)
            self.host(d, 90, DAYS - 1, a=[address], ns=ns, mx=SHARED_MX)
            self.ca_issued(d, 90)
            self.claim(d, "noise")

    # ---- the case studies ----

    def ring(self):
        """Write the fraud ring of samples/make_whois.py with that script's code."""
        saved = make_whois.OUT
        make_whois.OUT = os.path.join(self.args.output, "whois")
        try:
            make_whois.fraud_ring()
        finally:
            make_whois.OUT = saved
        folder = os.path.join(self.args.output, "whois", "ring")
        self.operator("ring", "the 47-domain WHOIS ring of samples/whois/ring: 44 registrant "
                              "phones with a sequential last digit")
        outsiders = []
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                text = f.read()
            domain = re.search(r"^Domain Name: (\S+)", text, re.M).group(1).lower()
            phone = re.search(r"^Registrant Phone: (\S+)", text, re.M).group(1)
            name = re.search(r"^Registrant Name: (.+)$", text, re.M).group(1).split()
            self.in_use.add((name[0], name[-1]))
            in_run = phone.startswith("+44.207946031")
            self.names.add(domain)
            self.claim(domain, "ring" if in_run else "noise")
            if not in_run:
                outsiders.append(domain)
            day = self.rng.randrange(90, 120)
            self.host(domain, day, DAYS - 1, a=[self.rng.choice(self.shared_hosts)],
                      ns=["ns1.cheap-dns.example", "ns2.cheap-dns.example"], www=False)
        self.operators["ring"]["outsiders"] = outsiders

    def blue_lantern(self, n):
        self.operator("blue-lantern", "self-signed certificates whose issuer organisation is "
                                      "Blue Lantern Hosting, one key and one domain each")
        for i in range(1, n + 1):
            d = f"parcel-notice-{i}.example"
            self.names.add(d)
            day = self.rng.randrange(0, 150)
            self.self_signed(d, "Blue Lantern Hosting", "NL", day, "blue-lantern.pem")
            self.host(d, day, DAYS - 1, a=[self.rng.choice(self.shared_hosts)],
                      ns=self.rng.choice(DNS_HOSTS), www=False)
            self.claim(d, "blue-lantern")

    # ---- benign noise ----

    def noise(self, n):
        r = self.rng
        for i in range(n):
            d = self.benign_domain()
            day = r.randrange(0, 150)
            where = r.random()
            aaaa = []
            if where < 0.5:
                a = [r.choice(self.cdn_edges)]
                if r.random() < 0.3:
                    aaaa = [self.cdn6.take()]
            elif where < 0.85:
                a = [r.choice(self.shared_hosts)]
            else:
                a = [self.cloud.take()]
            ns = r.choice(DNS_HOSTS)
            mx = SHARED_MX if r.random() < 0.6 else None
            self.host(d, day, DAYS - 1, a=a, aaaa=aaaa, ns=ns, mx=mx)
            contact_kind = r.random()
            if contact_kind < 0.45:
                contact = self.privacy_contact(d)
            elif contact_kind < 0.75:
                contact = REDACTED
            else:
                contact = self.person(d)
            self.register(d, contact, ns, day)
            if r.random() < 0.1:
                org = f"{d.split('.')[0].rstrip('0123456789').title()} Ltd"
                self.self_signed(d, org, "GB", day, "self-signed.pem")
            else:
                self.ca_issued(d, day)
            self.claim(d, "noise")
        # The providers' own names are benign too.
        for d in ["bigdns.example", "dnshost.example", "cheap-dns.example", "mailhost.example"]:
            self.truth[d] = "noise"

    # ---- writing ----

    def capture(self):
        cap = make_sample.Capture()
        r = self.rng
        for domain, first, last, plan in self.dns:
            span = (last - first + 1) * DAY
            t0 = START + first * DAY
            ns = [(domain, "NS", n) for n in plan["NS"]]
            for _ in range(2):
                ts = t0 + r.randrange(span)
                cap.exchange(ts, domain, "A", [(domain, "A", a) for a in plan["A"]], ns)
            if plan["AAAA"]:
                ts = t0 + r.randrange(span)
                cap.exchange(ts, domain, "AAAA", [(domain, "AAAA", a) for a in plan["AAAA"]],
                             v6=True)
            if plan["NS"]:
                cap.exchange(t0 + r.randrange(span), domain, "NS", ns)
            if plan["MX"]:
                cap.exchange(t0 + r.randrange(span), domain, "MX",
                             [(domain, "MX", f"10 {plan['MX']}")])
            if plan["www"]:
                www = f"www.{domain}"
                cap.exchange(t0 + r.randrange(span), www, "A",
                             [(www, "CNAME", domain)] + [(domain, "A", a) for a in plan["A"]])
        os.makedirs(os.path.join(self.args.output, "captures"), exist_ok=True)
        cap.write(os.path.join(self.args.output, "captures", "dns.pcap.gz"))
        return len(cap.records)

    def write(self):
        out = self.args.output
        frames = self.capture()

        whois_dir = os.path.join(out, "whois")
        os.makedirs(whois_dir, exist_ok=True)
        for name, text in self.whois:
            with open(os.path.join(whois_dir, name), "w", encoding="utf-8", newline="\n") as f:
                f.write(text)

        cert_dir = os.path.join(out, "certs")
        os.makedirs(cert_dir, exist_ok=True)
        n_certs = 0
        for bundle, pems in sorted(self.certs.items()):
            with open(os.path.join(cert_dir, bundle), "wb") as f:
                f.write(b"".join(pems))
            n_certs += len(pems)

        os.makedirs(os.path.join(out, "asn"), exist_ok=True)
        with open(os.path.join(out, "asn", "ip2asn.tsv"), "w", encoding="utf-8") as f:
            for first, last, asn, country, desc in ASN_TABLE:
                f.write(f"{first}\t{last}\t{asn}\t{country}\t{desc}\n")

        self.write_shared_list()

        seeds = {name: sorted(op["domains"])[0] for name, op in self.operators.items()}
        truth = {
            "generator": "tools/gen_world.py",
            "options": {"seed": self.args.seed, "operators": self.args.operators,
                        "domains": self.args.domains, "noise": self.args.noise,
                        "ring": self.args.ring, "blue_lantern": self.args.blue_lantern},
            "span": [iso(START), iso(START + DAYS * DAY - 1)],
            "seeds": seeds,
            "operators": {name: dict(op, domains=sorted(op["domains"]))
                          for name, op in sorted(self.operators.items())},
            "domains": dict(sorted(self.truth.items())),
        }
        with open(os.path.join(out, "truth.json"), "w", encoding="utf-8") as f:
            json.dump(truth, f, indent=1)
            f.write("\n")
        return frames, n_certs


    def write_shared_list(self):
        lines = ["# The shared providers of this world, for dragnet map --shared-list",
                 "# after data/shared-infra.txt; written by tools/gen_world.py."]
        lines += [f"asn | AS{ASN_TABLE[0][2]} | {ASN_TABLE[0][4]}",
                  f"asn | AS{ASN_TABLE[1][2]} | {ASN_TABLE[1][4]}",f"prefix | 100.64.0.0/16 | {ASN_TABLE[0][4]}",
                  f"prefix | 100.65.0.0/16 | {ASN_TABLE[1][4]}",
                  f"prefix | 2001:db8:100::/48 | {ASN_TABLE[0][4]}"]
        for hosts in DNS_HOSTS:
            zone = hosts[0].split(".", 1)[1]
            lines.append(f"nameserver | {zone} | DNS hosting {zone}")
        zone = SHARED_MX.split(".", 1)[1]
        lines.append(f"mx | {zone} | mail hosting {zone}")
        lines += [f"issuer-org | {org} | public CA" for org in PUBLIC_CAS]
        with open(os.path.join(self.args.output, "shared-infra.txt"), "w",
                  encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


def bundle_of(org):
    return re.sub(r"[^a-z0-9]+", "-", org.lower()).strip("-") + ".pem"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="folder to write: new, empty, or a world "
                                       "written before, which is replaced")
    parser.add_argument("--seed", type=int, default=1, help="seed of every random choice")
    parser.add_argument("--operators", type=int, default=len(OPERATORS),
                        help=f"operators, 1 to {len(OPERATORS)}, in the order "
                             f"{', '.join(OPERATORS)} (default all)")
    parser.add_argument("--domains", type=int, default=8, help="domains per operator")
    parser.add_argument("--noise", type=int, default=300, help="benign domains")
    parser.add_argument("--ring", action="store_true",
                        help="add the 47-domain WHOIS ring of samples/make_whois.py")
    parser.add_argument("--blue-lantern", type=int, default=0, metavar="N",
                        help="add N self-signed Blue Lantern Hosting certificates")
    args = parser.parse_args()

    if not 1 <= args.operators <= len(OPERATORS):
        parser.error(f"--operators must be 1 to {len(OPERATORS)}")
    if args.domains < 2 or args.noise < 0 or args.blue_lantern < 0:
        parser.error("--domains must be at least 2, --noise and --blue-lantern at least 0")
    if os.path.isdir(args.output) and os.listdir(args.output):
        # Only a world written before is replaced, never another folder.
        if not os.path.isfile(os.path.join(args.output, "truth.json")):
            parser.error(f"{args.output} is not empty and holds no truth.json; "
                         "give a new folder")
        shutil.rmtree(args.output)
    os.makedirs(args.output, exist_ok=True)

    world = World(args)
    # The ring comes first so that no one else takes its registrants' names.
    if args.ring:
        world.ring()
    world.noise(args.noise)
    for name in OPERATORS[:args.operators]:
        getattr(world, name)(args.domains)
    if args.blue_lantern:
        world.blue_lantern(args.blue_lantern)
    frames, n_certs = world.write()
    print(f"wrote {args.output}: {len(world.truth)} registrable domains, "
          f"{len(world.operators)} operators, {frames} frames, {len(world.whois)} WHOIS "
          f"responses, {n_certs} certificates")


if __name__ == "__main__":
    main()
