// Renders each scenario's report.html (made by build/report_page_test with
// TC_REPORT_PAGES_DIR) in headless Chromium and checks it as a person would
// see it, against the report.json beside it:
//   - the page loads with no console error, no page error and no request
//     other than the file itself (self-contained);
//   - one list entry per operation; its links target the operation's task and,
//     for a copy, the original (<rootUrl>/tasks/<taskId>); every task link on
//     the page targets a taskId the report names;
//   - the SVG has one node per created task (or per kind, with the counts
//     adding up), each task node linking to its task;
//   - on a phone-sized viewport nothing is wider than the screen;
//   - time to the first frame after load, and the file size.
// Screenshots (phone and desktop, the diagram) go to the shots directory.
//
//   node check.mjs PAGES_DIR SHOTS_DIR      (playwright-core from $TC_REPORT_PAGE_NPM)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [pagesDir, shotsDir] = process.argv.slice(2);
const npm = process.env.TC_REPORT_PAGE_NPM;
const { chromium } = createRequire(path.join(npm, 'package.json'))('playwright-core');
const MAX_BYTES = 1000 * 1000;
const MAX_RENDER_MS = 2000;

function check(failures, ok, what) {
  if (!ok) failures.push(what);
}

// Every taskId the report names: a link may only target one of these.
function knownIds(report) {
  const ids = new Set([report.taskId, report.actionTaskId, report.taskGroupId].filter(Boolean));
  for (const op of report.operations) {
    ids.add(op.taskId);
    if (op.of) ids.add(op.of);
    for (const d of op.dependencies || []) ids.add(d);
  }
  for (const w of report.warningLists || []) for (const i of w.items) ids.add(i.slice(0, 22));
  return ids;
}

async function inspect(page) {
  return page.evaluate(() => {
    // resolved against the document's base (an SVG <a>'s href is no string)
    const url = (a) => (a ? new URL(a.getAttribute('href'), document.baseURI).href : null);
    const ops = [...document.querySelectorAll('ol.ops > li')].map((li) => ({
      copy: url(li.querySelector('a.copy')),
      orig: url(li.querySelector('a.orig')),
    }));
    const links = [...document.querySelectorAll('a[href]')].map(url);
    const nodes = [...document.querySelectorAll('svg g.node')].map((g) => ({
      cls: g.getAttribute('class'),
      taskId: g.dataset.taskId ?? null,
      kind: g.dataset.kind ?? null,
      count: g.dataset.count ? Number(g.dataset.count) : null,
      link: g.parentElement.tagName.toLowerCase() === 'a' ? url(g.parentElement) : null,
    }));
    return { ops, links, nodes, scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
             title: document.title, h1: document.querySelector('h1')?.textContent ?? '' };
  });
}

function checkDiagram(failures, report, got, root) {
  const creates = report.operations.filter((o) => o.op === 'create');
  const created = got.nodes.filter((n) => n.cls.split(' ').includes('created'));
  const groups = got.nodes.filter((n) => n.cls.split(' ').includes('group'));
  if (creates.length === 0) {
    check(failures, got.nodes.length === 0, `a diagram without created tasks (${got.nodes.length} nodes)`);
    return { nodes: 0 };
  }
  if (creates.length <= 50) {
    check(failures, created.length === creates.length, `${created.length} created nodes for ${creates.length} creates`);
    const want = new Set(creates.map((o) => o.taskId));
    check(failures, created.every((n) => want.has(n.taskId)) && new Set(created.map((n) => n.taskId)).size === want.size,
          'created nodes are not the created tasks');
  } else {
    const kinds = new Set(creates.map((o) => o.kind));
    check(failures, groups.length === kinds.size, `${groups.length} group nodes for ${kinds.size} kinds`);
    check(failures, groups.reduce((s, g) => s + g.count, 0) === creates.length, 'group counts do not add up');
    for (const g of groups) {
      const n = creates.filter((o) => o.kind === g.kind).length;
      check(failures, g.count === n, `group ${g.kind}: ${g.count} != ${n}`);
    }
  }
  for (const n of got.nodes.filter((x) => x.taskId)) {
    check(failures, n.link === `${root}/tasks/${n.taskId}`, `node ${n.taskId} links to ${n.link}`);
  }
  check(failures, got.nodes.filter((n) => n.cls.split(' ').includes('action')).length <= 1, 'more than one action node');
  return { nodes: creates.length <= 50 ? created.length : groups.length, grouped: creates.length > 50 };
}

function checkLinks(failures, report, got, root) {
  check(failures, got.ops.length === report.operations.length,
        `${got.ops.length} operations listed, the report has ${report.operations.length}`);
  report.operations.forEach((op, i) => {
    const li = got.ops[i] || {};
    check(failures, li.copy === `${root}/tasks/${op.taskId}`, `operation ${i}: link ${li.copy}, want ${op.taskId}`);
    if (op.of) check(failures, li.orig === `${root}/tasks/${op.of}`, `operation ${i}: original link ${li.orig}, want ${op.of}`);
  });
  const ids = knownIds(report);
  for (const href of got.links) {
    check(failures, href.startsWith(`${root}/`), `a link outside the root URL: ${href}`);
    const m = href.match(/\/tasks\/(?:groups\/)?([A-Za-z0-9_-]{22})$/);
    if (m) check(failures, ids.has(m[1]), `a link to a taskId the report does not name: ${href}`);
  }
}

async function render(browser, file, viewport, shots, name) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith('file://')) problems.push(`fetched ${r.url()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  const t0 = Date.now();
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  // the first frame after load: the page is laid out and painted
  const firstFrame = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now())))));
  const wall = Date.now() - t0;
  const got = await inspect(page);
  const shot = path.join(shots, `${name}.png`);
  await page.screenshot({ path: shot });
  let diagramShot = null;
  if (await page.locator('svg.deps').count()) {
    diagramShot = path.join(shots, `${name}-diagram.png`);
    await page.locator('svg.deps').screenshot({ path: diagramShot });
  }
  await context.close();
  return { got, problems, firstFrame, wall, shots: [shot, diagramShot].filter(Boolean) };
}

async function main() {
  fs.mkdirSync(shotsDir, { recursive: true });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
                                          args: ['--no-sandbox'] });
  const results = [];
  let failed = 0;
  for (const name of fs.readdirSync(pagesDir).sort()) {
    const dir = path.join(pagesDir, name);
    const file = path.join(dir, 'report.html');
    if (!fs.existsSync(file)) continue;
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const root = report.rootUrl;
    const failures = [];
    const bytes = fs.statSync(file).size;
    check(failures, bytes < MAX_BYTES, `${bytes} bytes (limit ${MAX_BYTES})`);
    const phone = await render(browser, file, { width: 390, height: 844 }, shotsDir, `${name}-phone`);
    const desktop = await render(browser, file, { width: 1280, height: 900 }, shotsDir, `${name}-desktop`);
    for (const r of [phone, desktop]) {
      failures.push(...r.problems);
      checkLinks(failures, report, r.got, root);
    }
    const diagram = checkDiagram(failures, report, desktop.got, root);
    check(failures, phone.got.scrollWidth <= phone.got.innerWidth, `wider than a phone: ${phone.got.scrollWidth} px`);
    check(failures, desktop.got.title.includes(report.action) && desktop.got.h1.includes(report.outcome), 'title/heading');
    const renderMs = Math.max(phone.firstFrame, desktop.firstFrame);
    check(failures, renderMs < MAX_RENDER_MS, `rendered in ${renderMs.toFixed(0)} ms (limit ${MAX_RENDER_MS})`);
    const result = { name, bytes, operations: report.operations.length, diagram, renderMs: Math.round(renderMs),
                     wallMs: Math.max(phone.wall, desktop.wall), screenshots: [...phone.shots, ...desktop.shots], failures };
    results.push(result);
    if (failures.length) failed++;
    console.log(`[report-page] ${name}: ${failures.length ? 'FAILED' : 'ok'}: ${bytes} bytes, ${result.operations} operations, ` +
                `${diagram.nodes} diagram nodes${diagram.grouped ? ' (kinds)' : ''}, first frame ${result.renderMs} ms ` +
                `(load + frame ${result.wallMs} ms wall)`);
    for (const f of failures.slice(0, 20)) console.log(`[report-page]   ${f}`);
    for (const s of result.screenshots) console.log(`[report-page]   screenshot ${s}`);
  }
  await browser.close();
  fs.writeFileSync(path.join(shotsDir, 'results.json'), JSON.stringify(results, null, 2));
  if (results.length < 4) {
    console.log(`[report-page] only ${results.length} pages in ${pagesDir}`);
    failed++;
  }
  console.log(`[report-page] ${results.length - failed} of ${results.length} pages passed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
