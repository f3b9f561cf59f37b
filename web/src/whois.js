// WHOIS history: the first document in full and then, for each later one, the lines that
// changed, as `dragnet whois --history` prints them.
import { el, fill, formatTime, table } from './dom.js';

const ROLES = ['registrant', 'admin', 'tech', 'billing'];
const CONTACT_FIELDS = [
  ['masked', 'masked'], ['id', 'id'], ['name', 'name'], ['org', 'org'], ['email', 'email'],
  ['phone', 'phone'], ['fax', 'fax'], ['street', 'street'], ['city', 'city'], ['state', 'state'],
  ['postal_code', 'postal code'], ['country', 'country'],
];

function push(lines, label, value) {
  if (value === undefined || value === null || value === '') return;
  for (const item of Array.isArray(value) ? value : [value]) lines.push({ label, value: String(item) });
}

// Flatten a WHOIS document into labelled lines in the order the CLI prints them.
export function flattenWhois(doc) {
  const lines = [];
  const registrar = doc.registrar ?? {};
  push(lines, 'status', doc.status !== 'found' ? doc.status : null);
  push(lines, 'reason', doc.reason);
  push(lines, 'domain', doc.domain);
  push(lines, 'registry id', doc.registry_id);
  push(lines, 'registrar', registrar.name);
  push(lines, 'registrar iana id', registrar.iana_id);
  push(lines, 'registrar whois', registrar.whois_server);
  push(lines, 'registrar url', registrar.url);
  push(lines, 'abuse email', registrar.abuse_email);
  push(lines, 'abuse phone', registrar.abuse_phone);
  push(lines, 'created', doc.created);
  push(lines, 'updated', doc.updated);
  push(lines, 'expires', doc.expires);
  push(lines, 'domain status', doc.statuses);
  push(lines, 'nameserver', doc.nameservers);
  push(lines, 'dnssec', doc.dnssec);
  for (const role of ROLES) {
    const contact = doc.contacts?.[role];
    if (!contact) continue;
    for (const [field, label] of CONTACT_FIELDS) push(lines, `${role} ${label}`, contact[field]);
  }
  if (!doc.referral_server || !registrar.whois_server ||
      doc.referral_server.toLowerCase() !== registrar.whois_server.toLowerCase()) {
    push(lines, 'referral', doc.referral_server);
  }
  return lines;
}

const same = (a, b) => a.label === b.label && a.value === b.value;

// The changes from old to cur as [{sign: '-'|'+', label, value}]: lines of cur in order, each
// preceded by the removed old lines with its label, then the removed lines with other labels.
export function diffWhois(oldLines, curLines) {
  const out = [];
  const shown = new Set();
  for (const line of curLines) {
    oldLines.forEach((old, i) => {
      if (!shown.has(i) && old.label === line.label && !curLines.some((c) => same(c, old))) {
        out.push({ sign: '-', ...old });
        shown.add(i);
      }
    });
    if (!oldLines.some((o) => same(o, line))) out.push({ sign: '+', ...line });
  }
  oldLines.forEach((old, i) => {
    if (!shown.has(i) && !curLines.some((c) => same(c, old))) out.push({ sign: '-', ...old });
  });
  return out;
}

function heading(doc) {
  const seen = doc.time_first ? `seen ${doc.time_first}` : 'seen at an unknown time';
  const count = doc.count !== undefined ? `, ${doc.count} time${doc.count === 1 ? '' : 's'}` : '';
  const source = doc.source ? `, first from ${doc.source}` : '';
  return `${doc.domain ?? ''}  ${doc.status ?? ''}  ${seen}${count}${source}`;
}

export function renderWhois(container, docs) {
  if (docs.length === 0) {
    fill(container, el('p', { class: 'empty' }, 'No WHOIS records.'));
    return;
  }
  const blocks = [];
  let previous = null;
  for (const doc of docs) {
    const lines = flattenWhois(doc);
    if (previous === null) {
      blocks.push(el('section', { class: 'whois-doc' }, el('h3', null, heading(doc)),
        table([['field', (l) => l.label], ['value', (l) => l.value]], lines, { class: 'whois-fields' })));
    } else {
      const changes = diffWhois(previous, lines);
      blocks.push(el('section', { class: 'whois-doc' }, el('h3', null, heading(doc)),
        changes.length === 0 ? el('p', { class: 'empty' }, 'No field changed.')
          : el('ul', { class: 'whois-diff' }, changes.map((c) =>
            el('li', { class: c.sign === '+' ? 'added' : 'removed' },
              el('span', { class: 'sign' }, c.sign), el('span', { class: 'label' }, c.label),
              el('span', { class: 'value' }, c.value))))));
    }
    previous = lines;
  }
  fill(container, blocks);
}

// List the domains linked to the seed of a depth-1 map of a registrant value (reverse WHOIS),
// sorted, each with the WHOIS fields that contain the value and when they were seen.
export function reverseWhoisDomains(graph) {
  const seeds = new Set((graph.nodes ?? []).filter((n) => n.seed).map((n) => `${n.kind}:${n.key}`));
  const domains = new Map();
  for (const edge of graph.edges ?? []) {
    const ends = [edge.from, edge.to];
    const seedEnd = ends.findIndex((end) => seeds.has(`${end.kind}:${end.key}`));
    if (seedEnd < 0) continue;
    const other = ends[1 - seedEnd];
    if (other.kind !== 'regdomain' && other.kind !== 'domain') continue;
    const whois = (edge.evidence ?? []).filter((e) => e.store === 'whois');
    if (whois.length === 0) continue;
    const entry = domains.get(other.key) ?? { domain: other.key, fields: new Set(), first: null, last: null };
    for (const evidence of whois) entry.fields.add(evidence.detail);
    entry.first = minTime(entry.first, edge.time_first);
    entry.last = maxTime(entry.last, edge.time_last);
    domains.set(other.key, entry);
  }
  return [...domains.values()].sort((a, b) => a.domain.localeCompare(b.domain))
    .map((d) => ({ ...d, fields: [...d.fields].sort() }));
}

// ISO 8601 UTC strings of one format compare as text.
const minTime = (a, b) => (a === null || (b && b < a) ? b ?? a : a);
const maxTime = (a, b) => (a === null || (b && b > a) ? b ?? a : a);

export function renderReverseWhois(container, domains) {
  if (domains.length === 0) {
    fill(container, el('p', { class: 'empty' }, 'No domain has this value in its WHOIS records.'));
    return;
  }
  fill(container, table([
    ['domain', (d) => d.domain],
    ['WHOIS fields', (d) => d.fields.join(', ')],
    ['first seen', (d) => formatTime(d.first)],
    ['last seen', (d) => formatTime(d.last)],
  ], domains, { class: 'records', id: 'reverse-whois-table' }));
}
