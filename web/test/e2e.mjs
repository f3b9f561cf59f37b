// Drive the web view in headless Chromium and print what the page showed as one JSON object,
// for tests/integration/test_web.py to check against the store's data.
//
// Environment: DRAGNET_URL (http://127.0.0.1:PORT), DRAGNET_KEY, QUERY (an indicator with pDNS,
// WHOIS, certificates and a map), OUT_DIR (screenshots and downloads), CHROMIUM (the browser
// binary, /usr/bin/chromium unless set). Optional searches that follow in the same tab:
// SECOND_QUERY (a domain, whose map is opened too), EMAIL (a registrant email in the store),
// CERT_SHA256 (a stored certificate's hash), SLOW_QUERY and FAST_QUERY (two overlapping searches,
// the first delayed), NS_QUERY (an `ns:` search) and FAILED_QUERY (a value the search rejects).
// CAPPED_URL is a second server on the same store with a --max-results below QUERY's records.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { chromium } from 'playwright-core';

const base = process.env.DRAGNET_URL;
const key = process.env.DRAGNET_KEY;
const query = process.env.QUERY;
const outDir = process.env.OUT_DIR;
if (!base || !key || !query || !outDir) {
  console.error('e2e.mjs: set DRAGNET_URL, DRAGNET_KEY, QUERY and OUT_DIR');
  process.exit(2);
}
await mkdir(outDir, { recursive: true });

const result = { requests: [], dialogs: [], consoleErrors: [], failedResponses: [], pageErrors: [], steps: [] };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // No update checks, sync or other traffic of the browser's own; root cannot use the sandbox.
  args: ['--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-quic', '--no-first-run', '--disable-gpu',
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
});

try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on('request', (request) => result.requests.push(request.url()));
  page.on('dialog', async (dialog) => {
    result.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') result.consoleErrors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) result.failedResponses.push(`${response.status()} ${response.url()}`);
  });
  page.on('pageerror', (error) => result.pageErrors.push(String(error)));

  // The page opens the key dialog first, because no key is stored yet.
  const response = await page.goto(`${base}/`);
  result.indexHeaders = response.headers();
  await page.locator('#key-dialog[open]').waitFor();
  await page.fill('#key-input', key);
  await page.click('#key-save');
  // offsetParent is null for an element that is not displayed.
  result.tabsShownAtStart = await page.evaluate(() => document.getElementById('tabs').offsetParent !== null);
  result.steps.push('key');

  await page.fill('#search-input', query);
  await page.press('#search-input', 'Enter');
  await page.locator('#pdns-table').waitFor();
  result.summary = await page.textContent('#summary');
  result.timelineRows = await page.$$eval('svg.timeline g.row', (rows) => rows.map((r) => r.getAttribute('data-label')));
  result.timelineBars = await page.locator('svg.timeline rect.bar').count();
  result.pdnsCells = await page.$$eval('#pdns-table tbody td', (cells) => cells.map((c) => c.textContent));
  await page.screenshot({ path: path.join(outDir, 'pdns.png'), fullPage: true });
  result.steps.push('pdns');

  await page.click('#tab-whois');
  await page.locator('.whois-doc').first().waitFor();
  result.whoisDocs = await page.locator('.whois-doc').count();
  result.whoisFields = await page.$$eval('.whois-fields tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  result.whoisDiff = await page.$$eval('.whois-diff li', (items) => items.map((li) => [...li.children].map((c) => c.textContent)));
  result.steps.push('whois');

  await page.click('#tab-certs');
  await page.locator('#cert-table').waitFor();
  result.certCells = await page.$$eval('#cert-table tbody td', (cells) => cells.map((c) => c.textContent));
  result.steps.push('certs');

  await page.click('#tab-map');
  await page.waitForFunction(() => document.getElementById('cy')?._cyreg?.cy?.nodes().length > 0);
  const graph = () => page.evaluate(() => {
    const cy = document.getElementById('cy')._cyreg.cy;
    return {
      nodes: cy.nodes().map((n) => ({ id: n.id(), label: n.data('label') })),
      edges: cy.edges().length,
      visibleEdges: cy.edges().filter((e) => e.visible()).length,
      filteredEdges: cy.edges('.filtered').length,
      checked: [...document.querySelectorAll('#map-families input:checked')].map((i) => i.value),
    };
  });
  result.mapBefore = await graph();

  // Click the node given by MAP_CLICK (kind:key), or the first seed, where the canvas draws it.
  const clickTarget = process.env.MAP_CLICK ?? `domain:${query}`;
  const box = await page.locator('#cy').boundingBox();
  const where = await page.evaluate((id) => {
    const cy = document.getElementById('cy')._cyreg.cy;
    const node = cy.getElementById(id);
    cy.center(node);
    return node.renderedPosition();
  }, clickTarget);
  await page.mouse.click(box.x + where.x, box.y + where.y);
  await page.locator('#evidence h3').waitFor();
  result.nodePanel = await page.textContent('#evidence');
  result.steps.push('node');

  // Click the middle of an edge of that node to see its evidence.
  const mid = await page.evaluate((id) => {
    const cy = document.getElementById('cy')._cyreg.cy;
    const edge = cy.getElementById(id).connectedEdges().filter((e) => e.data('label') !== 'registered')[0] ??
      cy.getElementById(id).connectedEdges()[0];
    cy.center(edge);
    return edge.renderedMidpoint();
  }, clickTarget);
  await page.mouse.click(box.x + mid.x, box.y + mid.y);
  await page.locator('#evidence .evidence-table').waitFor();
  result.edgePanel = await page.textContent('#evidence');
  result.edgeEvidence = await page.$$eval('#evidence .evidence-table tbody td', (cells) => cells.map((c) => c.textContent));
  await page.screenshot({ path: path.join(outDir, 'map.png'), fullPage: true });
  result.steps.push('edge');

  // Expand the node given by MAP_EXPAND through the panel's button, and merge the new map.
  if (process.env.MAP_EXPAND) {
    const at = await page.evaluate((id) => {
      const cy = document.getElementById('cy')._cyreg.cy;
      const node = cy.getElementById(id);
      cy.center(node);
      return node.renderedPosition();
    }, process.env.MAP_EXPAND);
    await page.mouse.click(box.x + at.x, box.y + at.y);
    await page.locator('#expand-node').waitFor();
    const before = result.mapBefore.nodes.length;
    await page.click('#expand-node');
    await page.waitForFunction((n) => document.getElementById('cy')._cyreg.cy.nodes().length > n, before);
    result.mapExpanded = await graph();
    result.steps.push('expand');
  }

  // Uncheck every family but the first: edges of the others leave the view.
  const families = await page.$$eval('#map-families input', (inputs) => inputs.map((i) => i.value));
  result.families = families;
  for (const family of families.slice(1)) await page.uncheck(`#map-families input[value="${family}"]`);
  // Cytoscape.js applies class styles a moment later, so wait until the drawn edges agree.
  await page.waitForFunction(() => {
    const cy = document.getElementById('cy')._cyreg.cy;
    return cy.edges().filter((e) => e.visible()).length === cy.edges().not('.filtered').length;
  }).catch(() => {});
  result.mapFiltered = await graph();
  for (const family of families.slice(1)) await page.check(`#map-families input[value="${family}"]`);
  result.steps.push('filter');

  const downloadPromise = page.waitForEvent('download');
  await page.click('.exports button[data-format="dot"]');
  const download = await downloadPromise;
  const file = path.join(outDir, download.suggestedFilename());
  await download.saveAs(file);
  result.dotExport = (await readFile(file, 'utf8')).slice(0, 200);
  result.steps.push('export');

  // Hostile values must have stayed text: nothing ran, and no element came from the data.
  result.injection = await page.evaluate(() => ({
    xss: window.__xss ?? null,
    images: document.querySelectorAll('img').length,
    scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
    svgOutsideTimeline: [...document.querySelectorAll('svg')].filter((s) => !s.classList.contains('timeline')).length,
    handlers: [...document.querySelectorAll('*')].flatMap((e) => e.getAttributeNames().filter((a) => a.startsWith('on'))),
    bodyText: document.body.textContent,
  }));
  await page.screenshot({ path: path.join(outDir, 'page.png'), fullPage: true });

  // Later searches in the same tab: each replaces the page's results.
  const search = async (value) => {
    await page.fill('#search-input', value);
    await page.press('#search-input', 'Enter');
    await page.waitForFunction((q) => document.getElementById('summary').textContent.startsWith(`${q} is `), value);
    return {
      summary: await page.textContent('#summary'),
      tabs: await page.$$eval('#tabs button', (tabs) => tabs.map((t) => ({
        id: t.id, text: t.textContent, disabled: t.disabled, selected: t.getAttribute('aria-selected') === 'true',
      }))),
    };
  };
  const openMap = async (seed) => {
    await page.click('#tab-map');
    await page.waitForFunction((id) => document.getElementById('cy')?._cyreg?.cy?.getElementById(id).length > 0, seed);
    return page.evaluate(() => document.getElementById('cy')._cyreg.cy.nodes().length);
  };

  // A second search with the map opened again must draw a new map.
  if (process.env.SECOND_QUERY) {
    const second = process.env.SECOND_QUERY;
    result.second = await search(second);
    result.second.mapNodes = await openMap(`domain:${second}`);
    result.steps.push('second map');
  }

  // A registrant value opens the WHOIS tab on the domains whose records contain it.
  if (process.env.EMAIL) {
    result.email = await search(process.env.EMAIL);
    await page.locator('#reverse-whois-table').waitFor();
    result.email.reverseWhois = await page.$$eval('#reverse-whois-table tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    result.email.mapNodes = await openMap(`email:${process.env.EMAIL}`);
    result.steps.push('reverse whois');
  }

  // A certificate hash opens the certificates tab, which has its record.
  if (process.env.CERT_SHA256) {
    result.cert = await search(process.env.CERT_SHA256);
    await page.locator('#cert-table').waitFor();
    result.cert.certCells = await page.$$eval('#cert-table tbody td', (cells) => cells.map((c) => c.textContent));
    result.steps.push('cert hash');
  }

  // Rows of the pDNS table as [rrname, rrtype, rdata, ...].
  const pdnsRows = () => page.$$eval('#pdns-table tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));

  // Two overlapping searches: the response of the first, delayed until the second has shown its
  // results, must not replace them.
  if (process.env.SLOW_QUERY && process.env.FAST_QUERY) {
    const slow = process.env.SLOW_QUERY;
    const isSlow = (url) => url.pathname === '/api/v1/search' && url.searchParams.get('q') === slow;
    await page.route(isSlow, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    const slowSent = page.waitForRequest((request) => isSlow(new URL(request.url())));
    const slowDone = page.waitForResponse((response) => isSlow(new URL(response.url())));
    await page.fill('#search-input', slow);
    await page.press('#search-input', 'Enter');
    await slowSent;
    const fast = process.env.FAST_QUERY;
    await page.fill('#search-input', fast);
    await page.press('#search-input', 'Enter');
    await slowDone;
    await page.locator('#pdns-table').waitFor();
    // Give the page time to act on the late response before reading what it shows.
    await page.waitForTimeout(500);
    result.overlap = {
      summary: await page.textContent('#summary'),
      tabs: await page.$$eval('#tabs button', (tabs) => tabs.map((t) => t.textContent)),
      pdnsRows: await pdnsRows(),
    };
    await page.unroute(isSlow);
    result.steps.push('overlapping searches');
  }

  // A name server search lists the domains delegated to it in the pDNS tab.
  if (process.env.NS_QUERY) {
    await page.fill('#search-input', process.env.NS_QUERY);
    await page.press('#search-input', 'Enter');
    await page.waitForFunction(() => document.getElementById('summary').textContent !== '');
    await page.waitForFunction(() => document.getElementById('pdns-out').childElementCount > 0);
    result.ns = {
      summary: await page.textContent('#summary'),
      pdnsOut: await page.textContent('#pdns-out'),
      pdnsRows: await pdnsRows(),
    };
    result.steps.push('name server');
  }

  // A search the server rejects leaves no result of the one before on the page.
  if (process.env.FAILED_QUERY) {
    await page.fill('#search-input', process.env.FAILED_QUERY);
    await page.press('#search-input', 'Enter');
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Error'));
    result.failed = await page.evaluate(() => ({
      status: document.getElementById('status').textContent,
      summary: document.getElementById('summary').textContent,
      tabsHidden: document.getElementById('tabs').hidden,
      tabsShown: document.getElementById('tabs').offsetParent !== null,
      views: [...document.querySelectorAll('main section')].map((s) => s.textContent),
      cy: document.getElementById('cy') !== null,
    }));
    result.steps.push('failed search');
  }

  result.injectionAfter = await page.evaluate(() => ({
    xss: window.__xss ?? null,
    images: document.querySelectorAll('img').length,
  }));

  // A server with a low --max-results: counts and lists show that more records exist.
  if (process.env.CAPPED_URL) {
    await page.goto(`${process.env.CAPPED_URL}/`);
    await page.locator('#key-dialog[open]').waitFor();
    await page.fill('#key-input', key);
    await page.click('#key-save');
    result.capped = await search(query);
    await page.locator('#pdns-table').waitFor();
    result.capped.status = await page.textContent('#status');
    result.capped.rows = await page.locator('#pdns-table tbody tr').count();
    result.steps.push('capped');
  }
  await context.close();
} catch (error) {
  result.error = String(error?.stack ?? error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
