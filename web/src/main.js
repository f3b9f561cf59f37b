// The page: the API key dialog, the search box and the tabs of the views.
import { ApiError, apiJson, getKey, recordsOf, setKey } from './api.js';
import { renderCerts } from './certs.js';
import { fill } from './dom.js';
import { certArgs, countPhrase, kindPhrase, pdnsArgs, whoisMode } from './indicator.js';
import { MapView } from './map.js';
import { renderTimeline } from './timeline.js';
import { renderReverseWhois, renderWhois, reverseWhoisDomains } from './whois.js';
import './style.css';

const $ = (id) => document.getElementById(id);
const status = $('status');
const setStatus = (text) => { status.textContent = text; };

const views = ['pdns', 'whois', 'certs', 'map'];
// Number of the latest search. A search whose number is no longer this one drops its response,
// so overlapping searches in one tab never mix their results.
let generation = 0;
// The shown search: its indicator, counts and the set of views it has loaded.
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
  const search = current;
  if (search && !search.loaded.has(name)) {
    loadView(name, search).catch((error) => {
      if (current === search) report(error);
    });
  }
}

for (const view of views) $(`tab-${view}`).addEventListener('click', () => showTab(view));

function report(error) {
  const prefix = error instanceof ApiError ? `Error ${error.status}` : 'Error';
  setStatus(`${prefix}: ${error.message}`);
  if (error instanceof ApiError && error.status === 401) askKey();
}

// Tab labels of the views that /api/v1/search counts records for.
const TAB_LABEL = { pdns: 'pDNS', whois: 'WHOIS', certs: 'Certificates' };

// Tell whether a view can show anything for the indicator's kind. The map takes every kind.
function applies(name, kind) {
  if (name === 'pdns') return pdnsArgs(kind, '') !== null;
  if (name === 'whois') return whoisMode(kind) !== null;
  if (name === 'certs') return certArgs(kind, '') !== null;
  return true;
}

// Format the status line after a lookup: "1000 pDNS records shown, more available for 10.0.0.0/8."
function shownStatus(count, singular, plural, truncated, query) {
  const more = truncated ? ' shown, more available' : '';
  return `${countPhrase(count, singular, plural)}${more} for ${query}.`;
}

async function loadView(name, search) {
  search.loaded.add(name);
  const { query, kind, key } = search;
  // Results that arrive after a newer search started are dropped.
  const stale = () => current !== search;
  const reverse = kind === 'ip' || kind === 'cidr' || pdnsArgs(kind, key)?.rdata === 1;
  if (name === 'pdns') {
    setStatus(`Looking up pDNS for ${query}…`);
    const body = await apiJson('/api/v1/pdns', pdnsArgs(kind, key));
    if (stale()) return;
    const records = recordsOf(body);
    renderTimeline($('pdns-out'), records, reverse);
    setStatus(shownStatus(records.length, 'pDNS record', 'pDNS records', body.truncated, query));
  } else if (name === 'whois') {
    if (whoisMode(kind) === 'reverse') {
      // NOTE: /api/v1 has no reverse WHOIS route, so the domains come from a depth-1 map,
      // which `--max-results` and the map's query limit bound.
      setStatus(`Looking up the domains whose WHOIS records contain ${query}…`);
      const graph = await apiJson('/api/v1/map', { seed: query, depth: 1, format: 'json' });
      if (stale()) return;
      const domains = reverseWhoisDomains(graph);
      renderReverseWhois($('whois-out'), domains);
      setStatus(`${countPhrase(domains.length, 'domain', 'domains')} with ${query} in WHOIS.`);
      return;
    }
    const body = await apiJson(`/api/v1/whois/${encodeURIComponent(key)}`, { history: 1 });
    if (stale()) return;
    const docs = recordsOf(body);
    renderWhois($('whois-out'), docs);
    setStatus(shownStatus(docs.length, 'WHOIS document', 'WHOIS documents', body.truncated, query));
  } else if (name === 'certs') {
    const body = await apiJson('/api/v1/cert', certArgs(kind, key));
    if (stale()) return;
    const certs = recordsOf(body);
    renderCerts($('certs-out'), certs);
    setStatus(shownStatus(certs.length, 'certificate', 'certificates', body.truncated, query));
  } else if (name === 'map') {
    mapView ??= new MapView($('map-out'), setStatus);
    await mapView.show(query);
  }
}

// Remove everything the previous search put on the page.
function clearResults() {
  current = null;
  if (mapView) mapView.destroy();
  mapView = null;
  for (const view of views) {
    fill($(`${view}-out`));
    $(`view-${view}`).hidden = true;
  }
  fill($('summary'));
  $('tabs').hidden = true;
}

function countText(counts, more, name) {
  const n = counts[name];
  if (n === undefined) return '?';
  return more[name] ? `${n}+` : String(n);
}

async function search(query) {
  if (!getKey()) {
    askKey();
    return;
  }
  const searchNumber = ++generation;
  clearResults();
  setStatus(`Searching for ${query}…`);
  let result;
  try {
    result = await apiJson('/api/v1/search', { q: query });
  } catch (error) {
    if (searchNumber === generation) report(error);
    return;
  }
  if (searchNumber !== generation) return;
  const kind = result.kind ?? 'domain';
  current = {
    query: result.query ?? query, kind, key: result.key ?? query,
    counts: result.counts ?? {}, more: result.more ?? {}, loaded: new Set(),
  };
  const { counts, more } = current;
  for (const name of ['pdns', 'whois', 'certs']) {
    const tab = $(`tab-${name}`);
    const usable = applies(name, kind);
    tab.disabled = !usable;
    tab.title = usable ? '' : `No ${TAB_LABEL[name]} lookup for ${kindPhrase(kind)}`;
    tab.textContent = usable ? `${TAB_LABEL[name]} (${countText(counts, more, name)})`
      : `${TAB_LABEL[name]} (n/a)`;
  }
  const whoisNoun = whoisMode(kind) === 'reverse' ? ['domain', 'domains'] : ['WHOIS document', 'WHOIS documents'];
  const parts = [
    applies('pdns', kind) && countPhrase(counts.pdns ?? 0, 'pDNS record', 'pDNS records', more.pdns),
    applies('whois', kind) && countPhrase(counts.whois ?? 0, ...whoisNoun, more.whois) +
      (whoisMode(kind) === 'reverse' ? ' in WHOIS' : ''),
    applies('certs', kind) && countPhrase(counts.certs ?? 0, 'certificate', 'certificates', more.certs),
  ].filter(Boolean);
  fill($('summary'), `${current.query} is ${kindPhrase(kind)}` +
    (parts.length ? `: ${parts.join(', ')}.` : '.'));
  $('tabs').hidden = false;
  // Open the first view with records; without any, the first that applies, else the map.
  const usable = ['pdns', 'whois', 'certs'].filter((name) => applies(name, kind));
  const first = usable.find((name) => (counts[name] ?? 0) > 0) ?? usable[0] ?? 'map';
  showTab(first);
}

$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const query = $('search-input').value.trim();
  if (query) search(query).catch(report);
});

if (!getKey()) askKey();
