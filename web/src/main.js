// The page: the API key dialog, the search box and the tabs of the views.
import { ApiError, apiJson, getKey, recordsOf, setKey } from './api.js';
import { renderCerts } from './certs.js';
import { el, fill } from './dom.js';
import { MapView } from './map.js';
import { renderTimeline } from './timeline.js';
import { renderWhois } from './whois.js';
import './style.css';

const $ = (id) => document.getElementById(id);
const status = $('status');
const setStatus = (text) => { status.textContent = text; };

const views = ['pdns', 'whois', 'certs', 'map'];
const loaded = new Set();
let current = null;
let mapView = null;

function askKey() {
  const dialog = $('key-dialog');
  $('key-input').value = getKey();
  dialog.showModal();
}

$('key-form').addEventListener('submit', () => {
  setKey($('key-input').value.trim());
  setStatus(getKey() ? 'API key set for this tab.' : 'API key cleared.');
});
$('key-button').addEventListener('click', askKey);

function showTab(name) {
  for (const view of views) {
    $(`view-${view}`).hidden = view !== name;
    $(`tab-${view}`).setAttribute('aria-selected', String(view === name));
  }
  if (current && !loaded.has(name)) loadView(name).catch(report);
}

for (const view of views) $(`tab-${view}`).addEventListener('click', () => showTab(view));

function report(error) {
  const prefix = error instanceof ApiError ? `Error ${error.status}` : 'Error';
  setStatus(`${prefix}: ${error.message}`);
  if (error instanceof ApiError && error.status === 401) askKey();
}

// The certificate query for an indicator, or null when certificates do not apply.
function certArgs(query, kind) {
  if (kind === 'cert') return { sha256: query };
  if (kind === 'domain' || kind === 'ip') return { san: query };
  return null;
}

async function loadView(name) {
  loaded.add(name);
  const { query, kind } = current;
  const reverse = kind === 'ip' || kind === 'cidr';
  if (name === 'pdns') {
    setStatus(`Looking up pDNS for ${query}…`);
    const records = recordsOf(await apiJson('/api/v1/pdns', { q: query }));
    renderTimeline($('pdns-out'), records, reverse);
    setStatus(`${records.length} pDNS records for ${query}.`);
  } else if (name === 'whois') {
    if (kind !== 'domain') {
      fill($('whois-out'), el('p', { class: 'empty' }, `WHOIS history is kept for domains; ${query} is a ${kind}.`));
      return;
    }
    const docs = recordsOf(await apiJson(`/api/v1/whois/${encodeURIComponent(query)}`, { history: 1 }));
    renderWhois($('whois-out'), docs);
    setStatus(`${docs.length} WHOIS documents for ${query}.`);
  } else if (name === 'certs') {
    const args = certArgs(query, kind);
    if (!args) {
      fill($('certs-out'), el('p', { class: 'empty' }, `No certificate search for a ${kind}.`));
      return;
    }
    const certs = recordsOf(await apiJson('/api/v1/cert', args));
    renderCerts($('certs-out'), certs);
    setStatus(`${certs.length} certificates for ${query}.`);
  } else if (name === 'map') {
    mapView ??= new MapView($('map-out'), setStatus);
    await mapView.show(query);
  }
}

async function search(query) {
  if (!getKey()) {
    askKey();
    return;
  }
  setStatus(`Searching for ${query}…`);
  const result = await apiJson('/api/v1/search', { q: query });
  current = { query: result.query ?? query, kind: result.kind ?? 'domain', counts: result.counts ?? {} };
  loaded.clear();
  for (const view of views) fill($(`${view}-out`));
  const counts = current.counts;
  $('tab-pdns').textContent = `pDNS (${counts.pdns ?? '?'})`;
  $('tab-whois').textContent = `WHOIS (${counts.whois ?? '?'})`;
  $('tab-certs').textContent = `Certificates (${counts.certs ?? '?'})`;
  fill($('summary'), `${current.query} is a ${current.kind}: ${counts.pdns ?? 0} pDNS records, ` +
    `${counts.whois ?? 0} WHOIS documents, ${counts.certs ?? 0} certificates.`);
  $('tabs').hidden = false;
  const first = (counts.pdns ?? 0) > 0 || !(counts.whois > 0) ? 'pdns' : 'whois';
  showTab(first);
}

$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const query = $('search-input').value.trim();
  if (query) search(query).catch(report);
});

if (!getKey()) askKey();
