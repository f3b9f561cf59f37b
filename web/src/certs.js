// The certificates table.
import { el, fill, formatTime, table } from './dom.js';

export function renderCerts(container, certs) {
  if (certs.length === 0) {
    fill(container, el('p', { class: 'empty' }, 'No certificates.'));
    return;
  }
  fill(container, table([
    ['subject', (c) => c.subject ?? ''],
    ['issuer', (c) => c.issuer ?? ''],
    ['names', (c) => el('ul', { class: 'sans' }, (c.sans ?? []).map((san) => el('li', null, san)))],
    ['not before', (c) => formatTime(c.not_before)],
    ['not after', (c) => formatTime(c.not_after)],
    ['key', (c) => `${c.key_type ?? ''} ${c.key_bits ?? ''}`.trim()],
    ['flags', (c) => [c.self_signed && 'self-signed', c.ca && 'CA', c.precert && 'precertificate']
      .filter(Boolean).join(', ')],
    ['SHA-256', (c) => el('code', null, c.sha256 ?? '')],
  ], certs, { class: 'records', id: 'cert-table' }));
}
