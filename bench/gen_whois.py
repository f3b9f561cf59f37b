#!/usr/bin/env python3
"""Write N invented WHOIS responses for bench/whois.sh: ICANN registrar
answers (nine in ten) and RDAP domain objects (one in ten), each about 1.5 to
3 KB, with varied contacts so that the index holds many distinct values.

    bench/gen_whois.py FOLDER N [SEED]
    bench/gen_whois.py --from-corpus CORPUS FOLDER N

Files go into FOLDER/NNN/ (a thousand a folder). Generated responses use
only .example names, example.net mailboxes and +44 20 7946 numbers. With
--from-corpus, the responses are the shared corpus's real ones (likexian and
richardpenman WHOIS samples), each copied under a new domain name, so that
sizes, layouts and redaction are those of real registries."""
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples"))
import make_whois  # noqa: E402

FIRST = make_whois.FIRST
LAST = make_whois.LAST


def contact(rng):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {"name": f"{first} {last}", "org": rng.choice(["", "", f"{last} Trading Ltd"]),
            "street": f"{rng.randrange(1, 300)} {rng.choice(['High', 'Mill', 'Park'])} Street",
            "city": rng.choice(["Leeds", "Bristol", "York", "Bath"]),
            "postal": f"LS{rng.randrange(1, 30)} {rng.randrange(1, 9)}AB", "country": "GB",
            "phone": f"+44.20794{rng.randrange(10000, 99999)}",
            "email": f"{first.lower()}.{last.lower()}{rng.randrange(1, 9999)}@mail.example.net"}


def rdap(domain, c, created):
    card = ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", c["name"]],
                      ["email", {}, "text", c["email"]],
                      ["tel", {"type": "voice"}, "uri", "tel:" + c["phone"]],
                      ["adr", {}, "text", ["", "", c["street"], c["city"], "", c["postal"],
                                           c["country"]]]]]
    return json.dumps({
        "objectClassName": "domain", "ldhName": domain,
        "status": ["client transfer prohibited"],
        "events": [{"eventAction": "registration", "eventDate": created},
                   {"eventAction": "expiration", "eventDate": created.replace("20", "21", 1)}],
        "nameservers": [{"objectClassName": "nameserver", "ldhName": "ns1.dns.example"},
                        {"objectClassName": "nameserver", "ldhName": "ns2.dns.example"}],
        "entities": [{"objectClassName": "entity", "roles": ["registrar"],
                      "publicIds": [{"type": "IANA Registrar ID", "identifier": "9999"}],
                      "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                               ["fn", {}, "text", "Example Registrar, LLC"]]]},
                     {"objectClassName": "entity", "roles": ["registrant", "administrative"],
                      "vcardArray": card}]}, indent=1) + "\n"


def from_corpus(corpus, folder, n):
    """Copies of the corpus's real WHOIS responses (likexian and
    richardpenman), each under a new domain name, in turn."""
    import glob
    import re
    templates = []
    for path in sorted(glob.glob(os.path.join(corpus, "whois", "likexian", "*.txt")) +
                       glob.glob(os.path.join(corpus, "whois", "richardpenman", "*.txt"))):
        base = os.path.basename(path)[:-len(".txt")]
        domain = base.split("_", 1)[1] if "_" in base else base
        with open(path, "rb") as f:
            templates.append((domain, f.read()))
    for i in range(n):
        domain, text = templates[i % len(templates)]
        name = f"b{i}-{domain}"
        text = re.sub(re.escape(domain).encode(), name.encode(), text, flags=re.I)
        sub = os.path.join(folder, f"{i // 1000:03d}")
        if i % 1000 == 0:
            os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, name + ".txt"), "wb") as f:
            f.write(text)


def main():
    if sys.argv[1] == "--from-corpus":
        from_corpus(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    folder, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    for i in range(n):
        sub = os.path.join(folder, f"{i // 1000:03d}")
        if i % 1000 == 0:
            os.makedirs(sub, exist_ok=True)
        domain = f"bench{i}-{rng.choice(make_whois.WORDS)}.example"
        c = contact(rng)
        created = (f"20{rng.randrange(10, 24)}-{rng.randrange(1, 13):02d}-"
                   f"{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:00:00Z")
        if i % 10 == 9:
            name, text = f"{domain}.json", rdap(domain, c, created)
        else:
            name = f"{domain}.txt"
            text = make_whois.response(domain, created, created, created, c,
                                       ["ns1.dns.example", "ns2.dns.example"],
                                       "2024-06-01T00:00:00Z", admin=contact(rng))
        with open(os.path.join(sub, name), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
