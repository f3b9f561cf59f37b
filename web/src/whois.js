// WHOIS history: the first document in full and then, for each later one, the lines that
// changed, as `dragnet whois --history` prints them.
import { el, fill, table } from './dom.js';

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
