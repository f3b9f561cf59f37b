// The infrastructure map: the graph of /api/v1/map?format=json drawn with Cytoscape.js, with
// node expansion, filters by signal family and time, an evidence panel and exports.
import cytoscape from 'cytoscape';

import { apiFetch, apiJson } from './api.js';
import { el, fill, formatTime, table, toEpoch } from './dom.js';

// The seed prefix `dragnet map` takes for each node kind (KIND:VALUE).
const SEED_KIND = {
  domain: 'domain', regdomain: 'domain', ip: 'ip', prefix: 'prefix', asn: 'asn',
  nameserver: 'ns', mx: 'mx', email: 'email', phone: 'phone', name: 'name', org: 'org',
  address: 'address', registrar: 'registrar', cert: 'cert', spki: 'spki', issuer: 'issuer',
};

const KIND_COLOR = {
  domain: '#4e79a7', regdomain: '#2f5a8a', ip: '#f28e2b', prefix: '#e15759', asn: '#b07aa1',
  nameserver: '#76b7b2', mx: '#59a14f', email: '#edc948', phone: '#ff9da7', name: '#9c755f',
  org: '#bab0ac', address: '#d4a6c8', registrar: '#8cd17d', cert: '#499894', spki: '#86bcb6',
  issuer: '#d37295',
};

const EXPORTS = [
  ['json', 'map.json'], ['text', 'map.txt'], ['dot', 'map.dot'], ['graphml', 'map.graphml'],
  ['stix', 'map.stix.json'], ['misp', 'map.misp.json'],
];

const nodeId = (ref) => `${ref.kind}:${ref.key}`;
const edgeId = (edge) => `${nodeId(edge.from)}>${nodeId(edge.to)}:${edge.relation}`;

export class MapView {
  constructor(root, setStatus) {
    this.root = root;
    this.setStatus = setStatus;
    this.nodes = new Map();
    this.edges = new Map();
    this.clusters = [];
    this.seeds = [];
    this.cy = null;
    this.build();
  }

  build() {
    this.depth = el('select', { id: 'map-depth', 'aria-label': 'Depth' },
      [1, 2, 3].map((d) => el('option', { value: d, selected: d === 2 }, `depth ${d}`)));
    this.overlap = el('input', { type: 'checkbox', id: 'map-overlap' });
    this.since = el('input', { type: 'date', id: 'map-since', on: { change: () => this.applyFilters() } });
    this.until = el('input', { type: 'date', id: 'map-until', on: { change: () => this.applyFilters() } });
    this.families = el('fieldset', { id: 'map-families', class: 'families' }, el('legend', null, 'Signal families'));
    this.panel = el('aside', { id: 'evidence', class: 'evidence', 'aria-live': 'polite' },
      el('p', { class: 'hint' }, 'Click a node or an edge to see its evidence and confidence; double-click a node to expand it.'));
    this.canvas = el('div', { id: 'cy', class: 'cy' });
    this.exports = el('div', { class: 'exports' }, 'Export: ',
      EXPORTS.map(([format, file]) => el('button', {
        type: 'button', 'data-format': format, on: { click: () => this.download(format, file) },
      }, format)));

    fill(this.root,
      el('div', { class: 'map-controls' },
        this.depth,
        el('label', null, this.overlap, ' time-overlapping links only'),
        el('label', null, 'from ', this.since), el('label', null, 'to ', this.until),
        el('button', { type: 'button', id: 'map-rerun', on: { click: () => this.rerun() } }, 'Map again with these dates'),
        this.exports),
      this.families,
      el('div', { class: 'map-body' }, this.canvas, this.panel));
  }

  // The query arguments of a map over the current seeds and settings.
  args(format) {
    const epoch = (input, endOfDay) => {
      const t = toEpoch(input.value ? `${input.value}T00:00:00Z` : null);
      return t === null ? null : t + (endOfDay ? 86400 : 0);
    };
    return {
      seed: this.seeds, depth: this.depth.value, overlap: this.overlap.checked ? 1 : null,
      since: this.useDates ? epoch(this.since, false) : null,
      until: this.useDates ? epoch(this.until, true) : null,
      format,
    };
  }

  async show(seed) {
    this.seeds = [seed];
    this.useDates = false;
    this.nodes.clear();
    this.edges.clear();
    await this.load();
  }

  async rerun() {
    this.useDates = true;
    this.nodes.clear();
    this.edges.clear();
    await this.load();
  }

  async expand(node) {
    const seed = `${SEED_KIND[node.kind] ?? node.kind}:${node.key}`;
    if (!this.seeds.includes(seed)) this.seeds.push(seed);
    await this.load();
  }

  // Stop drawing: a new search replaces this view and its canvas with new ones.
  destroy() {
    this.destroyed = true;
    if (this.cy) this.cy.destroy();
    this.cy = null;
  }

  async load() {
    this.setStatus(`Mapping ${this.seeds.join(', ')}…`);
    const graph = await apiJson('/api/v1/map', this.args('json'));
    // A map that arrives after a new search replaced this view is dropped.
    if (this.destroyed) return;
    const before = this.nodes.size;
    this.merge(graph);
    this.draw();
    this.setStatus(`Map: ${this.nodes.size} nodes (${this.nodes.size - before} new), ${this.edges.size} edges, ${this.clusters.length} clusters.`);
  }

  merge(graph) {
    for (const node of graph.nodes ?? []) {
      const id = nodeId(node);
      this.nodes.set(id, { ...this.nodes.get(id), ...node });
    }
    for (const edge of graph.edges ?? []) this.edges.set(edgeId(edge), edge);
    this.clusters = graph.clusters ?? [];
    // Node cluster numbers come from the latest run, which saw every seed so far.
    for (const node of graph.nodes ?? []) this.nodes.get(nodeId(node)).cluster = node.cluster;
  }

  draw() {
    const elements = [];
    for (const [id, node] of this.nodes) {
      elements.push({
        group: 'nodes',
        data: { id, label: node.label ?? node.key, color: KIND_COLOR[node.kind] ?? '#999' },
        classes: [node.seed ? 'seed' : '', node.hold !== 'none' ? 'held' : ''].join(' ').trim(),
      });
    }
    for (const [id, edge] of this.edges) {
      elements.push({
        group: 'edges',
        data: { id, source: nodeId(edge.from), target: nodeId(edge.to), label: edge.relation },
      });
    }
    if (this.cy) this.cy.destroy();
    this.cy = cytoscape({
      container: this.canvas,
      elements,
      wheelSensitivity: 0.3,
      style: [
        { selector: 'node', style: {
          'background-color': 'data(color)', label: 'data(label)', 'font-size': 9,
          'text-valign': 'bottom', 'text-margin-y': 3, width: 18, height: 18,
          'text-max-width': 140, 'text-wrap': 'ellipsis' } },
        { selector: 'node.seed', style: { 'border-width': 3, 'border-color': '#222' } },
        { selector: 'node.held', style: { 'border-width': 2, 'border-style': 'dashed', 'border-color': '#666' } },
        { selector: 'edge', style: {
          width: 1.5, 'line-color': '#aaa', 'curve-style': 'bezier', 'target-arrow-shape': 'triangle',
          'target-arrow-color': '#aaa', 'arrow-scale': 0.7 } },
        { selector: ':selected', style: { 'border-width': 3, 'border-color': '#d62728', 'line-color': '#d62728', 'target-arrow-color': '#d62728' } },
        { selector: '.filtered', style: { display: 'none' } },
      ],
      layout: { name: 'cose', animate: false, randomize: false, nodeRepulsion: () => 8000, idealEdgeLength: () => 60 },
    });
    this.cy.on('tap', 'node', (event) => this.showNode(this.nodes.get(event.target.id())));
    this.cy.on('tap', 'edge', (event) => this.showEdge(this.edges.get(event.target.id())));
    this.cy.on('dbltap', 'node', (event) => this.expand(this.nodes.get(event.target.id())).catch((e) => this.setStatus(e.message)));
    this.renderFamilies();
    this.applyFilters();
  }

  renderFamilies() {
    const present = [...new Set([...this.edges.values()].map((e) => e.family))].sort();
    const checked = new Set([...this.families.querySelectorAll('input:checked')].map((i) => i.value));
    const first = this.families.querySelectorAll('input').length === 0;
    fill(this.families, el('legend', null, 'Signal families'),
      present.map((family) => el('label', null,
        el('input', { type: 'checkbox', value: family, checked: first || checked.has(family) || !this.knownFamilies?.has(family),
          on: { change: () => this.applyFilters() } }), ` ${family}`)));
    this.knownFamilies = new Set(present);
  }

  // Hide edges of unchecked families or outside the date window, then nodes left without a
  // visible edge (seeds stay).
  applyFilters() {
    if (!this.cy) return;
    const families = new Set([...this.families.querySelectorAll('input:checked')].map((i) => i.value));
    const from = toEpoch(this.since.value ? `${this.since.value}T00:00:00Z` : null);
    const to = toEpoch(this.until.value ? `${this.until.value}T00:00:00Z` : null);
    this.cy.batch(() => {
      for (const [id, edge] of this.edges) {
        const first = toEpoch(edge.time_first);
        const last = toEpoch(edge.time_last);
        const outside = (from !== null && last !== null && last < from) ||
          (to !== null && first !== null && first >= to + 86400);
        this.cy.getElementById(id).toggleClass('filtered', !families.has(edge.family) || outside);
      }
      this.cy.nodes().forEach((node) => {
        const seed = this.nodes.get(node.id())?.seed;
        const visible = node.connectedEdges().some((e) => !e.hasClass('filtered'));
        node.toggleClass('filtered', !seed && !visible);
      });
    });
  }

  clusterOf(number) {
    return this.clusters.find((c) => c.number === number) ?? null;
  }

  // Cluster links through the value ref, with the cluster number: the confidence a shared value
  // adds.
  linksThrough(ref) {
    const out = [];
    for (const cluster of this.clusters) {
      for (const member of cluster.members ?? []) {
        for (const link of member.links ?? []) {
          if (link.value?.kind === ref.kind && link.value?.key === ref.key) out.push({ cluster, member, link });
        }
      }
    }
    return out;
  }

  linkTable(links) {
    return table([
      ['member', (l) => l.member.key],
      ['family', (l) => l.link.family],
      ['weight', (l) => l.link.weight.toFixed(2)],
      ['explanation', (l) => l.link.text],
    ], links, { class: 'links' });
  }

  showNode(node) {
    const cluster = this.clusterOf(node.cluster);
    const member = cluster?.members?.find((m) => m.kind === node.kind && m.key === node.key);
    const facts = [
      ['kind', node.kind], ['value', node.key], ['depth', node.depth ?? ''], ['seed', node.seed ? 'yes' : 'no'],
      ['hold', node.hold + (node.reason ? `: ${node.reason}` : '')],
      ['share', node.share ?? ''], ['first seen', formatTime(node.time_first)], ['last seen', formatTime(node.time_last)],
      ['cluster', cluster ? `${cluster.number}: ${cluster.level}, confidence ${cluster.confidence.toFixed(2)}` : 'none'],
    ];
    if (member) facts.push(['membership', `${member.level}, confidence ${member.confidence.toFixed(2)}`]);
    const through = this.linksThrough(node);
    fill(this.panel,
      el('h3', null, `${node.kind} ${node.label ?? node.key}`),
      el('dl', { class: 'facts' }, facts.map(([name, value]) => [el('dt', null, name), el('dd', null, String(value))])),
      el('button', { type: 'button', id: 'expand-node', on: { click: () => this.expand(node).catch((e) => this.setStatus(e.message)) } }, 'Expand this node'),
      member ? [el('h4', null, 'Links that make it a member'), this.linkTable((member.links ?? []).map((link) => ({ cluster, member, link })))] : null,
      through.length ? [el('h4', null, 'Members it links'), this.linkTable(through)] : null);
  }

  showEdge(edge) {
    const ends = [edge.from, edge.to].flatMap((ref) => this.linksThrough(ref));
    fill(this.panel,
      el('h3', null, `${edge.relation}: ${edge.from.key} → ${edge.to.key}`),
      el('dl', { class: 'facts' },
        el('dt', null, 'family'), el('dd', null, edge.family),
        el('dt', null, 'first seen'), el('dd', null, formatTime(edge.time_first)),
        el('dt', null, 'last seen'), el('dd', null, formatTime(edge.time_last))),
      el('h4', null, 'Evidence'),
      table([
        ['store', (e) => e.store], ['source', (e) => e.source || (e.sources > 1 ? `${e.sources} sources` : '')],
        ['seen', (e) => e.detail], ['first', (e) => formatTime(e.time_first)], ['last', (e) => formatTime(e.time_last)],
        ['count', (e) => e.count],
      ], edge.evidence ?? [], { class: 'evidence-table' }),
      el('h4', null, 'Confidence'),
      ends.length ? this.linkTable(ends) : el('p', { class: 'empty' }, 'No cluster link runs through either end.'));
  }

  async download(format, file) {
    try {
      const response = await apiFetch('/api/v1/map', this.args(format));
      const url = URL.createObjectURL(await response.blob());
      const link = el('a', { download: file, class: 'hidden' });
      link.href = url;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      this.setStatus(`Export failed: ${error.message}`);
    }
  }
}
