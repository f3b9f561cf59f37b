// The query of each view for each kind of indicator that /api/v1/search reports, and the words
// the page uses for kinds and counts.

// Kinds whose WHOIS tab lists the domains whose records contain the value (reverse WHOIS).
const REVERSE_WHOIS_KINDS = new Set(['email', 'phone', 'name', 'org', 'address', 'registrar']);

const KIND_NAME = {
  domain: 'domain', regdomain: 'registered domain', ip: 'IP address', cidr: 'CIDR prefix',
  prefix: 'CIDR prefix', asn: 'AS number', email: 'email address', phone: 'phone number',
  cert: 'certificate hash', nameserver: 'name server', mx: 'mail server', name: 'registrant name',
  org: 'organization', address: 'postal address', registrar: 'registrar', spki: 'public key hash',
  issuer: 'certificate issuer',
};

// The kind as a noun phrase with its article: "an IP address", "a domain".
export function kindPhrase(kind) {
  const noun = KIND_NAME[kind] ?? kind;
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

// "1 certificate", "2 certificates", or "1000 or more certificates" when the count stopped at a cap.
export function countPhrase(count, singular, plural, more = false) {
  const noun = count === 1 && !more ? singular : plural;
  return `${count}${more ? ' or more' : ''} ${noun}`;
}

// The pDNS query for an indicator, or null when pDNS does not apply to its kind.
export function pdnsArgs(kind, key) {
  switch (kind) {
    case 'domain': case 'regdomain': case 'ip': case 'cidr': case 'prefix':
      return { q: key };
    case 'nameserver': case 'mx':
      // The records whose rdata is the server, which name the domains that delegate to it (NS)
      // or receive mail through it (MX).
      return { q: key, rdata: 1 };
    default:
      return null;
  }
}

// Choose how the WHOIS tab looks an indicator up: 'history' for a domain's documents, 'reverse' for
// the domains whose documents contain the value, or null when WHOIS does not apply.
export function whoisMode(kind) {
  if (kind === 'domain' || kind === 'regdomain') return 'history';
  if (REVERSE_WHOIS_KINDS.has(kind)) return 'reverse';
  return null;
}

// The /api/v1/cert query for an indicator, or null when certificates do not apply. The
// choice follows what /api/v1/search counts for each kind.
export function certArgs(kind, key) {
  switch (kind) {
    case 'domain': case 'regdomain': case 'ip': case 'email':
      return { san: key };
    case 'cert':
      return { sha256: key };
    case 'spki':
      return { spki: key };
    case 'issuer':
      return { issuer: key };
    default:
      return null;
  }
}

