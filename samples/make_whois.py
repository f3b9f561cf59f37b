#!/usr/bin/env python3
"""Write samples/whois/: invented WHOIS and RDAP responses for the demo.

Files are named after their domain; earlier/ contains an older response for a
domain whose current one is in the main folder, and ring/ the fraud ring.

- The phishing campaign of the other samples (paypa1-secure.example and its
  neighbours): its registrar's answers at two dates, so that `whois --history`
  has a change to show, plus one answer behind a privacy service and one with
  GDPR redaction.
- A fraud ring of 47 domains registered under different names: 44 of them
  give one UK phone number whose last digit runs 0, 1, 2, ... 9, 0, 1, ...
  in registration order; the other three give unrelated numbers. This is the
  case `dragnet registrants correlate` must find as one group of 44.
- One RDAP (JSON) answer.

Only .example names, documentation-style phone numbers (+44 20 7946 0xxx is
Ofcom's drama range) and example.net mailboxes. Running the script again
writes the same bytes.
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "whois")

REGISTRAR = ("Example Registrar, LLC", "9999", "whois.registrar.example",
             "abuse@registrar.example", "+1.5555550100")
OTHER_REGISTRAR = ("Sample Names Ltd", "9998", "whois.samplenames.example",
                   "abuse@samplenames.example", "+44.2079460999")


def response(domain, created, updated, expires, registrant, nameservers, observed,
             registrar=REGISTRAR, statuses=("clientTransferProhibited",), admin=None):
    """Return an ICANN-style registrar response. registrant is a dict of
    contact fields."""
    name, iana, server, abuse_email, abuse_phone = registrar
    lines = [
        f"Domain Name: {domain.upper()}",
        f"Registry Domain ID: D{abs(hash_of(domain)) % 10**9}-EXAMPLE",
        f"Registrar WHOIS Server: {server}",
        "Registrar URL: http://www.registrar.example",
        f"Updated Date: {updated}",
        f"Creation Date: {created}",
        f"Registrar Registration Expiration Date: {expires}",
        f"Registrar: {name}",
        f"Registrar IANA ID: {iana}",
        f"Registrar Abuse Contact Email: {abuse_email}",
        f"Registrar Abuse Contact Phone: {abuse_phone}",
    ]
    for status in statuses:
        lines.append(f"Domain Status: {status} https://icann.org/epp#{status}")
    for role, contact in (("Registrant", registrant), ("Admin", admin or registrant),
                          ("Tech", admin or registrant)):
        lines += [
            f"Registry {role} ID: ",
            f"{role} Name: {contact['name']}",
            f"{role} Organization: {contact.get('org', '')}",
            f"{role} Street: {contact['street']}",
            f"{role} City: {contact['city']}",
            f"{role} State/Province: {contact.get('state', '')}",
            f"{role} Postal Code: {contact['postal']}",
            f"{role} Country: {contact['country']}",
            f"{role} Phone: {contact['phone']}",
            f"{role} Fax: ",
            f"{role} Email: {contact['email']}",
        ]
    for ns in nameservers:
        lines.append(f"Name Server: {ns.upper()}")
    lines += [
        "DNSSEC: unsigned",
        "URL of the ICANN Whois Inaccuracy Complaint Form: https://www.icann.org/wicf/",
        f">>> Last update of WHOIS database: {observed} <<<",
        "",
        "The data above is invented for dragnet's samples.",
    ]
    return "\n".join(lines) + "\n"


def hash_of(text):
    value = 0
    for ch in text:
        value = (value * 131 + ord(ch)) % (2**61 - 1)
    return value


def write(name, text):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def campaign():
    actor = {"name": "Viktor Example", "org": "", "street": "12 Sample Street",
             "city": "London", "postal": "EC1A 1AA", "country": "GB",
             "phone": "+44.2079460555", "email": "v.example+reg@mail.example.net"}
    moved = dict(actor, email="viktor.example@mail.example.net")
    write("earlier/paypa1-secure.example.txt", response(
        "paypa1-secure.example", "2023-12-01T09:14:00Z", "2023-12-01T09:14:00Z",
        "2024-12-01T09:14:00Z", actor,
        ["ns1.bulletproof-dns.example", "ns2.bulletproof-dns.example"],
        "2023-12-02T00:00:00Z"))
    # In February the operator moves the domain to other nameservers and a new mailbox.
    write("paypa1-secure.example.txt", response(
        "paypa1-secure.example", "2023-12-01T09:14:00Z", "2024-02-10T17:40:00Z",
        "2024-12-01T09:14:00Z", moved,
        ["ns1.flux-hosting.example", "ns2.flux-hosting.example"],
        "2024-02-11T00:00:00Z", statuses=("clientTransferProhibited",
                                          "clientUpdateProhibited")))
    write("invoice-paypa1.example.txt", response(
        "invoice-paypa1.example", "2024-01-20T11:02:00Z", "2024-01-20T11:02:00Z",
        "2025-01-20T11:02:00Z", dict(actor, name="V. Example", email="V.Example@mail.example.net"),
        ["ns1.bulletproof-dns.example", "ns2.bulletproof-dns.example"],
        "2024-01-21T00:00:00Z"))
    proxy = {"name": "Domain Admin", "org": "Privacy Protect, LLC (PrivacyProtect.org)",
             "street": "10 Corporate Drive", "city": "Burlington", "state": "MA",
             "postal": "01803", "country": "US", "phone": "+1.8022274003",
             "email": "contact@privacyprotect.org"}
    write("secure-bank-login.example.txt", response(
        "secure-bank-login.example", "2024-02-02T08:00:00Z", "2024-02-02T08:00:00Z",
        "2025-02-02T08:00:00Z", proxy,
        ["ns1.flux-hosting.example", "ns2.flux-hosting.example"], "2024-02-03T00:00:00Z"))
    redacted = {"name": "REDACTED FOR PRIVACY", "org": "", "street": "REDACTED FOR PRIVACY",
                "city": "REDACTED FOR PRIVACY", "state": "", "postal": "REDACTED FOR PRIVACY",
                "country": "GB", "phone": "REDACTED FOR PRIVACY",
                "email": "Please query the RDDS service of the Registrar of Record "
                         "identified in this output for information on how to contact "
                         "the Registrant, Admin, or Tech contact of the queried domain name."}
    write("account-verify-paypa1.example.txt", response(
        "account-verify-paypa1.example", "2024-02-05T10:30:00Z", "2024-02-05T10:30:00Z",
        "2025-02-05T10:30:00Z", redacted,
        ["ns1.bulletproof-dns.example", "ns2.bulletproof-dns.example"],
        "2024-02-06T00:00:00Z"))


FIRST = ["Oliver", "Amelia", "Harry", "Isla", "Jack", "Ava", "George", "Mia", "Noah", "Emily",
         "Leo", "Grace", "Oscar", "Sophie", "Arthur", "Lily", "Muhammad", "Freya", "Henry",
         "Ella", "Charlie", "Evie", "Theo", "Poppy"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
        "Patel", "Wright", "Robinson", "Walker", "Thompson", "White", "Hughes", "Edwards",
        "Green", "Hall", "Wood", "Harris"]
WORDS = ["secure", "verify", "account", "payment", "wallet", "refund", "billing", "support",
         "update", "login", "invoice", "transfer"]
BANKS = ["northbank", "unionpay", "crestline", "harbour", "meridian", "oakcredit"]


def fraud_ring():
    rng = random.Random(47)
    names = set()
    while len(names) < 47:
        names.add(f"{rng.choice(WORDS)}-{rng.choice(BANKS)}{rng.randrange(10, 99)}.example")
    domains = sorted(names, key=lambda d: hash_of(d))
    people = set()
    while len(people) < 47:
        people.add((rng.choice(FIRST), rng.choice(LAST)))
    people = sorted(people, key=lambda p: hash_of(p[0] + p[1]))
    outsiders = {5, 23, 40}  # positions that use unrelated numbers
    digit = 0
    for i, domain in enumerate(domains):
        first, last = people[i]
        day = 1 + i // 2
        created = f"2024-04-{day:02d}T{8 + i % 9:02d}:{(i * 7) % 60:02d}:00Z"
        if i in outsiders:
            phone = f"+44.16{rng.randrange(10**7, 10**8)}"
        else:
            phone = f"+44.207946031{digit}"
            digit = (digit + 1) % 10
        contact = {"name": f"{first} {last}", "org": "", "street":
                   f"{rng.randrange(1, 200)} {rng.choice(['High', 'Station', 'Church', 'Mill'])} "
                   f"{rng.choice(['Street', 'Road', 'Lane'])}",
                   "city": rng.choice(["Leeds", "Bristol", "Croydon", "Luton", "Slough"]),
                   "postal": f"LS{rng.randrange(1, 30)} {rng.randrange(1, 9)}AB",
                   "country": "GB", "phone": phone,
                   "email": f"{first.lower()}.{last.lower()}{rng.randrange(1, 999)}"
                            f"@{rng.choice(['mail', 'post', 'inbox'])}.example.net"}
        registrar = REGISTRAR if i % 3 else OTHER_REGISTRAR
        write(f"ring/{domain}.txt", response(
            domain, created, created, created.replace("2024", "2025", 1), contact,
            ["ns1.cheap-dns.example", "ns2.cheap-dns.example"],
            created[:10] + "T23:59:00Z", registrar=registrar))


def rdap_answer():
    def vcard(fn, email, tel, org=None):
        card = [["version", {}, "text", "4.0"], ["fn", {}, "text", fn],
                ["email", {}, "text", email],
                ["tel", {"type": "voice"}, "uri", f"tel:{tel}"]]
        if org:
            card.append(["org", {}, "text", org])
        return ["vcard", card]

    doc = {
        "objectClassName": "domain",
        "rdapConformance": ["rdap_level_0"],
        "handle": "D123456789-EXAMPLE",
        "ldhName": "paypa1-support.example",
        "status": ["client transfer prohibited"],
        "events": [
            {"eventAction": "registration", "eventDate": "2024-03-01T12:00:00Z"},
            {"eventAction": "last changed", "eventDate": "2024-03-01T12:00:00Z"},
            {"eventAction": "expiration", "eventDate": "2025-03-01T12:00:00Z"},
            {"eventAction": "last update of RDAP database",
             "eventDate": "2024-03-02T00:00:00Z"},
        ],
        "nameservers": [{"objectClassName": "nameserver", "ldhName": "ns1.flux-hosting.example"},
                        {"objectClassName": "nameserver", "ldhName": "ns2.flux-hosting.example"}],
        "secureDNS": {"delegationSigned": False},
        "entities": [
            {"objectClassName": "entity", "roles": ["registrar"], "handle": "9999",
             "publicIds": [{"type": "IANA Registrar ID", "identifier": "9999"}],
             "vcardArray": vcard("Example Registrar, LLC", "registrar@registrar.example",
                                 "+1.5555550100"),
             "entities": [{"objectClassName": "entity", "roles": ["abuse"],
                           "vcardArray": vcard("Abuse desk", "abuse@registrar.example",
                                               "+1.5555550100")}]},
            {"objectClassName": "entity", "roles": ["registrant"],
             "vcardArray": vcard("Viktor Example", "viktor.example@mail.example.net",
                                 "+44.2079460555")},
        ],
    }
    write("paypa1-support.example.json", json.dumps(doc, indent=1) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    campaign()
    fraud_ring()
    rdap_answer()


if __name__ == "__main__":
    main()
