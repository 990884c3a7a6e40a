// The flows, in the real Taskcluster UI, as a person: headless Debian chromium driven by playwright-core.
// Needs the stack (stack.sh up) and the decision side (seed.mjs: $TC_UI_DIR/run/world.json + clients.json).
// Starts the action-task worker (worker.mjs, with the worker client seed.mjs made) for the duration.
// Every step is asserted from the services' state (queue, hooks last fires, artifacts), not only from
// the page; a screenshot of each step goes to $TC_UI_SHOTS (default: a fresh /tmp/tc-ui-shots-* dir).
//
//   node flows.mjs [--only sign-in,menu,retrigger,rerun,retrigger-disabled,add-new-jobs,cancel-all]
//
// Exit status: 0 when every flow passed, 1 otherwise. A summary goes to $TC_UI_SHOTS/results.json.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tc, rootUrl, rootCredentials, playwright, until, assert, readJson, writeJson, publicArtifact, UI_DIR } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const TC_ACTION = path.resolve(process.env.TC_ACTION_BIN || path.join(REPO, 'build/tc-action'));
const { values: opt } = parseArgs({ options: { only: { type: 'string' } } });
const ONLY = opt.only ? new Set(opt.only.split(',')) : null;
const ROOT = rootUrl();
const RUN_DIR = path.join(UI_DIR, 'run');
const world = readJson(path.join(RUN_DIR, 'world.json'));
const clients = readJson(path.join(RUN_DIR, 'clients.json'));
const queue = new tc.Queue({ rootUrl: ROOT, credentials: rootCredentials() });
const hooks = new tc.Hooks({ rootUrl: ROOT, credentials: rootCredentials() });
const index = new tc.Index({ rootUrl: ROOT });
const SHOTS = process.env.TC_UI_SHOTS || fs.mkdtempSync(path.join(os.tmpdir(), 'tc-ui-shots-'));
fs.mkdirSync(SHOTS, { recursive: true });
const D = world.decisionTaskId;
const { ids } = world;
const log = msg => process.stderr.write(`[flows ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const results = { rootUrl: ROOT, shots: SHOTS, decisionTaskId: D, ids, flows: [], screenshots: [], browser: null };

// ---------------------------------------------------------------- worker (action tasks) ----
const workerResults = path.join(SHOTS, 'worker-results.jsonl');
// TC_UI_WORKER_NO_PROXY=1: give tc-action the claim's credentials instead of a taskcluster-proxy URL
const NO_PROXY = process.env.TC_UI_WORKER_NO_PROXY === '1';
const worker = spawn(process.execPath, [path.join(HERE, 'worker.mjs'), '--task-queue', world.actionQueue,
  '--worker-group', 'ui-test', '--worker-id', 'flows', '--results', workerResults, ...(NO_PROXY ? ['--no-proxy'] : [])], {
  env: { ...process.env, TASKCLUSTER_CLIENT_ID: clients.worker.clientId, TASKCLUSTER_ACCESS_TOKEN: clients.worker.accessToken, TC_ACTION_BIN: TC_ACTION },
  stdio: ['ignore', 'ignore', fs.openSync(path.join(SHOTS, 'worker.log'), 'a')],
});
const workerRuns = () => (fs.existsSync(workerResults) ? fs.readFileSync(workerResults, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse) : []);

// ---------------------------------------------------------------- browser ----
const { chromium } = playwright();
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tc-ui-chromium-'));  // a fresh --user-data-dir
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 1000 },
});
results.browser = context.browser()?.version() ?? 'chromium (persistent context)';
const page = context.pages()[0] || await context.newPage();
page.setDefaultTimeout(30000);
const consoleLines = [];
page.on('console', m => consoleLines.push(`${m.type()}: ${m.text()}`));
page.on('pageerror', e => consoleLines.push(`pageerror: ${e.message}`));

let shotNo = 0;
async function shot(name, { fullPage = true } = {}) {
  const file = path.join(SHOTS, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage });  // fullPage re-lays out the page: open menus close
  results.screenshots.push(file);
  return file;
}

async function flow(name, fn) {
  if (ONLY && !ONLY.has(name)) return;
  const t0 = Date.now();
  log(`--- ${name}`);
  const r = { name, ok: false };
  results.flows.push(r);
  try {
    r.details = await fn();
    r.ok = true;
  } catch (err) {
    r.error = err.stack || String(err);
    log(`FAIL ${name}: ${err.message}`);
    try { r.failureShot = await shot(`${name}-FAILED`); } catch { /* page gone */ }
  }
  r.seconds = (Date.now() - t0) / 1000;
  log(`${r.ok ? 'PASS' : 'FAIL'} ${name} (${r.seconds.toFixed(1)} s)`);
}

// ---------------------------------------------------------------- helpers ----
const BUILTIN_TASK_MENU = ['Schedule', 'Purge Worker Cache', 'Change Priority', 'Edit', 'Create with SSH/VNC', 'Profile Task Log'];
const BUILTIN_GROUP_MENU = ['Open in Profiler', 'Seal Task Group', 'Cancel Task Group'];

async function openTask(taskId) {
  await page.goto(`${ROOT}/tasks/${taskId}`);
  const def = await queue.task(taskId);
  await page.getByText(`Task "${def.metadata.name}"`).first().waitFor();
  return def;
}

// open the speed dial ("actions menu") and read its entries' labels, in order
async function openMenu() {
  const fab = page.getByRole('button', { name: 'speed-dial' });
  await fab.waitFor();
  // the dial opens on mouse-over (a click on the open dial closes it again)
  await fab.hover();
  if ((await fab.getAttribute('aria-expanded')) !== 'true') await fab.click();
  await until('the actions menu to open', async () => (await fab.getAttribute('aria-expanded')) === 'true', { timeoutMs: 5000, intervalMs: 100 });
  await page.locator('[role="menuitem"]').last().waitFor({ state: 'visible' });
  await page.waitForTimeout(500);  // the dial animates its entries in
  const labels = page.locator('.MuiSpeedDialAction-staticTooltipLabel');
  const texts = await labels.allInnerTexts();
  for (let i = 0; i < texts.length; i++) assert(await labels.nth(i).isVisible(), `menu entry "${texts[i]}" visible`);
  return texts;
}

// what `tc-action actions` says the UI menu shows for a task (or the group)
function productMenu(taskId) {
  const args = ['actions', '--decision-task', D, '--json', ...(taskId ? ['--task', taskId] : [])];
  return JSON.parse(execFileSync(TC_ACTION, args, { encoding: 'utf8', env: { ...process.env } }));
}

// the UI's own rule (ui/src/views/Tasks/ViewTask/index.jsx getTaskActionsData): for each name, the first
// action of actions.json whose context matches the task's tags (web-server passes only context != [])
function uiRuleMenu(tags) {
  const inContext = ctx => ctx.some(set => Object.keys(set).every(k => tags[k] && tags[k] === set[k]));
  const picked = [];
  for (const a of world.actionsJson.actions) {
    if (!['task', 'hook'].includes(a.kind) || a.context.length === 0) continue;
    if (inContext(a.context) && !picked.some(p => p.name === a.name)) picked.push(a);
  }
  return picked;
}

// the form the UI pre-fills: js-yaml's dump(json-schema-defaults(schema) || {}) (ViewTask
// getTaskActionsData, TaskGroup), computed with the very modules of the UI build (an array property
// without a default becomes [], e.g. add-new-jobs' `tasks: []`)
const uiRequire = createRequire(path.join(UI_DIR, 'build-src/ui/package.json'));
const jsonSchemaDefaults = uiRequire('json-schema-defaults');
const { dump: yamlDump } = uiRequire('js-yaml');
function defaultsForm(schema) {
  return yamlDump(jsonSchemaDefaults(schema ?? {}) || {});
}
const actionNamed = (name, tags) => uiRuleMenu(tags).find(a => a.name === name);
const groupAction = name => world.actionsJson.actions.find(a => a.name === name && a.context.length === 0);

// click an action of the open menu, check the form it shows, set the input, submit; returns the new
// action task's id (the UI navigates to /tasks/<id> after triggerHook)
async function submitAction(title, { expectForm, input } = {}) {
  // MUI SpeedDialAction: <span staticTooltip><span staticTooltipLabel>title</span><button role=menuitem></span>
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await page.locator('.MuiSpeedDialAction-staticTooltip')
    .filter({ has: page.locator('.MuiSpeedDialAction-staticTooltipLabel', { hasText: exact }) })
    .locator('[role="menuitem"]').click();
  const dialog = page.getByRole('dialog');
  // the task view titles its dialog "<title>?", the task-group view "<title>"
  await dialog.getByText(new RegExp(`^${exact.source.slice(1, -1)}\\??$`)).first().waitFor();
  const editor = dialog.locator('.CodeMirror').first();
  let form = null;
  if (await editor.count()) {
    form = await editor.evaluate(el => el.CodeMirror.getValue());
    if (expectForm !== undefined) assert(form.trim() === expectForm.trim(), `form pre-filled with the schema defaults: got ${JSON.stringify(form)}, expected ${JSON.stringify(expectForm)}`);
    if (input !== undefined) {
      await editor.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Delete');
      await page.keyboard.type(input);
      const typed = await editor.evaluate(el => el.CodeMirror.getValue());
      assert(typed.trim() === input.trim(), `the form holds what was typed: ${JSON.stringify(typed)}`);
    }
  }
  await shot(`${title.replace(/\W+/g, '-').replace(/-+$/, '').toLowerCase()}-form`, { fullPage: false });
  const before = page.url();
  await dialog.getByRole('button', { name: title, exact: true }).click();
  // success: navigation to the action task; failure: the dialog shows an error panel
  const outcome = await until(`the UI to navigate to the action task (or show an error) after "${title}"`, async () => {
    if (page.url() !== before && /\/tasks\/[A-Za-z0-9_-]{22}$/.test(page.url())) return { taskId: page.url().split('/').pop() };
    const err = dialog.locator('[class*="ErrorPanel"], [role="alert"]');
    if (await err.count() && await err.first().isVisible()) return { error: await err.first().innerText() };
    return null;
  }, { timeoutMs: 45000 });
  if (outcome.error) throw new Error(`the UI refused "${title}": ${outcome.error}`);
  return { actionTaskId: outcome.taskId, form };
}

async function resolved(taskId, timeoutMs = 120000) {
  return until(`task ${taskId} to be resolved`, async () => {
    const { status } = await queue.status(taskId);
    return ['completed', 'failed', 'exception'].includes(status.state) ? status : null;
  }, { timeoutMs, intervalMs: 1000 });
}

async function groupTasks() {
  const out = [];
  let continuationToken;
  do {
    const r = await queue.listTaskGroup(D, continuationToken ? { continuationToken } : {});
    out.push(...r.tasks);
    continuationToken = r.continuationToken;
  } while (continuationToken);
  return out;
}

async function artifactList(taskId, runId = 0) {
  const { artifacts } = await queue.listArtifacts(taskId, runId);
  return artifacts;
}

// the index entry of an action task: .taskcluster.yml routes it to <prefix>.pushlog-id.<id>.actions.<taskId>
// (and revision.<rev>.actions.<taskId>); the index service indexes it when it completes, and tc-action
// reads earlier action tasks' label-to-taskid.json from there
async function indexedAction(actionTaskId) {
  const paths = [`${world.push.indexPrefix}.pushlog-id.${world.push.pushlogId}.actions.${actionTaskId}`,
    `${world.push.indexPrefix}.revision.${world.push.headRev}.actions.${actionTaskId}`];
  const found = [];
  for (const p of paths) {
    const t = await until(`the index to find ${p}`, async () => {
      try { return await index.findTask(p); } catch (err) { if (err.statusCode === 404) return null; throw err; }
    }, { timeoutMs: 30000 });
    assert(t.taskId === actionTaskId, `index ${p} -> ${t.taskId}`);
    found.push(p);
  }
  return found;
}

async function hookFired(actionTaskId) {
  for (const id of world.hookIds) {
    const [group, ...rest] = id.split('/');
    let lastFires;
    try { ({ lastFires } = await hooks.listLastFires(group, rest.join('/'))); } catch (err) {
      if (err.statusCode === 404) continue;  // "No such hook or never fired"
      throw err;
    }
    const f = lastFires.find(x => x.taskId === actionTaskId);
    if (f) return { hook: id, firedBy: f.firedBy, result: f.result, error: f.error };
  }
  return null;
}

// the action task as the hook made it, its run by the worker, its report
async function checkActionTask(actionTaskId, { callback, target, input }) {
  const def = await queue.task(actionTaskId);
  assert(def.taskGroupId === D, `action task in the decision's group: ${def.taskGroupId}`);
  assert(def.taskQueueId === world.actionQueue, `action task queue ${def.taskQueueId}`);
  assert(def.tags.kind === 'action-callback', `tags.kind ${def.tags.kind}`);
  const env = def.payload.env;
  assert(env.ACTION_CALLBACK === callback, `ACTION_CALLBACK ${env.ACTION_CALLBACK} (expected ${callback})`);
  assert(env.ACTION_TASK_GROUP_ID === D, `ACTION_TASK_GROUP_ID ${env.ACTION_TASK_GROUP_ID}`);
  assert(JSON.stringify(JSON.parse(env.ACTION_TASK_ID)) === JSON.stringify(target), `ACTION_TASK_ID ${env.ACTION_TASK_ID} (expected ${JSON.stringify(target)})`);
  if (input) for (const [k, v] of Object.entries(input)) assert(JSON.stringify(JSON.parse(env.ACTION_INPUT)[k]) === JSON.stringify(v), `ACTION_INPUT.${k}: ${env.ACTION_INPUT}`);
  const fire = await until(`a hooks last-fire record for ${actionTaskId}`, () => hookFired(actionTaskId), { timeoutMs: 15000 });
  assert(fire.firedBy === 'triggerHook' && fire.result === 'success', `hook fire ${JSON.stringify(fire)}`);
  const status = await resolved(actionTaskId);
  const run = await until(`the worker's record of ${actionTaskId}`, () => workerRuns().find(r => r.taskId === actionTaskId), { timeoutMs: 10000 });
  if (def.payload.features?.taskclusterProxy && !NO_PROXY)
    assert(run.proxy?.requests > 0, `tc-action talked to the queue through the task's taskcluster-proxy: ${JSON.stringify(run.proxy)}`);
  const report = await (await publicArtifact(actionTaskId, 'public/report.json')).json();
  const list = await artifactList(actionTaskId, status.runs.length - 1);
  // report.html, uploaded by the worker from the artifacts directory, served as a page
  const html = list.find(x => x.name === 'public/report.html');
  assert(html, `the worker uploaded public/report.html (have ${list.map(x => x.name)})`);
  assert(html.contentType === 'text/html' && html.storageType === 's3', `report.html artifact: ${html.storageType} ${html.contentType}`);
  const served = await publicArtifact(actionTaskId, 'public/report.html');
  assert(/^text\/html/.test(served.headers.get('content-type') || ''), `report.html served as ${served.headers.get('content-type')}`);
  const reportHtml = await served.text();
  assert(/^<!DOCTYPE html>/i.test(reportHtml.trimStart()), 'report.html is an HTML document');
  return { def, env, fire, status, run, report, reportHtml, artifacts: list.map(x => x.name) };
}

// RSS and PSS (MB) of the browser (every process started with our fresh profile), this node process and
// the worker, at the end of the flows
function memory() {
  const of = pid => {
    try {
      const t = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = k => Number((new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(t) || [0, 0])[1]);
      return { rss: kb('Rss') / 1024, pss: kb('Pss') / 1024 };
    } catch { return { rss: 0, pss: 0 }; }
  };
  const sum = pids => pids.map(of).reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss }), { rss: 0, pss: 0 });
  const chromium = fs.readdirSync('/proc').filter(d => /^\d+$/.test(d)).filter(pid => {
    try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile); } catch { return false; }
  });
  const round = m => ({ rss: Math.round(m.rss), pss: Math.round(m.pss) });
  return { chromium: { processes: chromium.length, ...round(sum(chromium)) }, flowsNode: round(of(process.pid)), worker: round(of(worker.pid)) };
}

// ---------------------------------------------------------------- the flows ----
try {
  await flow('sign-in', async () => {
    await page.goto(`${ROOT}/`);
    await page.locator('#sign-in-button').first().click();
    await page.getByText('Sign in with credentials').click();
    await page.locator('input[name="clientId"]').fill(clients.person.clientId);
    await page.locator('input[name="accessToken"]').fill(clients.person.accessToken);
    await page.getByRole('button', { name: 'Sign In', exact: true }).click();
    await page.getByText(clients.person.clientId).first().waitFor();
    await shot('signed-in');
    // the profile page lists the signed-in client's scopes, which web-server gets with these credentials
    await page.goto(`${ROOT}/profile`);
    const scope = `hooks:trigger-hook:project-gecko/in-tree-action-1-*`;
    await page.getByText(scope).first().waitFor();
    await shot('profile-scopes');
    return { clientId: clients.person.clientId, scopeShown: scope };
  });

  await flow('menu', async () => {
    const def = await openTask(ids.test);
    const { status } = await queue.status(ids.test);
    assert(status.state === 'failed', `the test is failed in the queue: ${status.state}`);
    await page.getByText('failed', { exact: false }).first().waitFor();
    await shot('failed-test');
    const labels = await openMenu();
    await shot('failed-test-actions-menu', { fullPage: false });
    const inTree = labels.filter(l => !BUILTIN_TASK_MENU.includes(l));
    const expected = uiRuleMenu(def.tags).map(a => a.title);
    const product = productMenu(ids.test).map(a => a.title);
    assert(JSON.stringify(expected) === JSON.stringify(product), `tc-action actions (${product}) agrees with the UI's rule (${expected})`);
    assert(JSON.stringify([...inTree].sort()) === JSON.stringify([...expected].sort()),
      `the menu lists exactly what actions.json offers for the test: menu ${JSON.stringify(inTree)} vs ${JSON.stringify(expected)}`);
    for (const t of ['Retrigger (disabled)', 'Cancel All', 'Rerun in sequence', 'Cancel']) assert(!labels.includes(t), `menu must not list "${t}"`);
    await page.keyboard.press('Escape');
    return { menu: labels, inTree, expected };
  });

  let retriggerActionId;
  await flow('retrigger', async () => {
    await openTask(ids.test);
    await openMenu();
    const action = uiRuleMenu((await queue.task(ids.test)).tags).find(a => a.name === 'retrigger');
    assert(action.hookPayload.decision.action.cb_name === 'retrigger', `the test's Retrigger is cb retrigger: ${action.hookPayload.decision.action.cb_name}`);
    const { actionTaskId, form } = await submitAction('Retrigger', { expectForm: defaultsForm(action.schema), input: 'downstream: false\ntimes: 2' });
    retriggerActionId = actionTaskId;
    await shot('retrigger-action-task');
    const a = await checkActionTask(actionTaskId, { callback: 'retrigger', target: ids.test, input: { times: 2, downstream: false } });
    assert(a.status.state === 'completed', `retrigger action task completed: ${a.status.state} (report ${JSON.stringify(a.report).slice(0, 400)})`);
    assert(a.run.exitCode === 0, `tc-action exit ${a.run.exitCode}`);
    assert(a.report.outcome === 'done', `report outcome ${a.report.outcome}`);
    for (const n of ['public/report.json', 'public/task-graph.json', 'public/label-to-taskid.json', 'public/to-run.json'])
      assert(a.artifacts.includes(n), `action task artifact ${n} (have ${a.artifacts})`);
    // the copies, from the queue
    const testDef = await queue.task(ids.test);
    const copies = (await groupTasks()).filter(t => t.task.extra?.parent === actionTaskId);
    assert(copies.length === 2, `2 copies with extra.parent = the action task, found ${copies.length}`);
    for (const c of copies) {
      assert(c.task.metadata.name === testDef.metadata.name, `copy name ${c.task.metadata.name}`);
      assert(c.task.taskQueueId === testDef.taskQueueId, `copy queue ${c.task.taskQueueId}`);
      assert(c.task.tags.retrigger === 'true' && c.task.tags.label === testDef.tags.label, `copy tags ${JSON.stringify(c.task.tags)}`);
      const deps = [...c.task.dependencies].sort();
      // as taskgraph's create_tasks: the build (reused from the push) + the action task + the decision
      // (nothing the copy depends on is created in the same graph)
      assert(JSON.stringify(deps) === JSON.stringify([ids.build, actionTaskId, D].sort()),
        `copy dependencies = the test's (build) + the action task + the decision: ${JSON.stringify(c.task.dependencies)}`);
      assert(c.status.taskId !== ids.test, 'a copy has a new taskId');
    }
    const states = await until('both copies scheduled (their dependencies completed)', async () => {
      const s = await Promise.all(copies.map(c => queue.status(c.status.taskId)));
      return s.every(x => x.status.state === 'pending') ? s.map(x => x.status.state) : null;
    }, { timeoutMs: 30000 });
    const graph = await (await publicArtifact(actionTaskId, 'public/task-graph.json')).json();
    assert(Object.keys(graph).length === 2 && copies.every(c => graph[c.status.taskId]), `action task-graph.json holds the 2 copies: ${Object.keys(graph)}`);
    await page.reload();
    await page.getByText('completed', { exact: false }).first().waitFor();
    await shot('retrigger-action-task-completed');
    await page.goto(`${ROOT}/tasks/groups/${D}`);
    await page.getByText(testDef.metadata.name).first().waitFor();
    await shot('group-after-retrigger');
    const indexedAt = await indexedAction(actionTaskId);
    return { actionTaskId, form, hook: a.fire.hook, copies: copies.map(c => c.status.taskId), copyStates: states, report: a.report.outcome, proxy: a.run.proxy, indexedAt };
  });

  await flow('rerun', async () => {
    const before = (await queue.status(ids.test)).status;
    await openTask(ids.test);
    await openMenu();
    const { actionTaskId, form } = await submitAction('Rerun', { expectForm: defaultsForm(actionNamed('rerun', (await queue.task(ids.test)).tags).schema) });
    await shot('rerun-action-task');
    const a = await checkActionTask(actionTaskId, { callback: 'rerun', target: ids.test });
    assert(a.status.state === 'completed' && a.report.outcome === 'done', `rerun action task: ${a.status.state} ${a.report.outcome}`);
    const after = (await queue.status(ids.test)).status;
    assert(after.runs.length === before.runs.length + 1, `a new run: ${before.runs.length} -> ${after.runs.length}`);
    const last = after.runs[after.runs.length - 1];
    assert(last.reasonCreated === 'rerun' && ['pending', 'running'].includes(last.state), `new run ${JSON.stringify(last)}`);
    await openTask(ids.test);
    await shot('test-with-new-run');
    return { actionTaskId, form, runs: after.runs.map(r => `${r.runId}:${r.state}/${r.reasonCreated}`) };
  });

  await flow('retrigger-disabled', async () => {
    const def = await openTask(ids.release);
    const groupBefore = await groupTasks();
    const labels = await openMenu();
    await shot('release-actions-menu', { fullPage: false });
    const expected = uiRuleMenu(def.tags).map(a => a.title);
    const inTree = labels.filter(l => !BUILTIN_TASK_MENU.includes(l));
    assert(JSON.stringify([...inTree].sort()) === JSON.stringify([...expected].sort()), `release menu ${JSON.stringify(inTree)} vs ${JSON.stringify(expected)}`);
    assert(labels.includes('Retrigger (disabled)') && !labels.includes('Retrigger'), `the release task offers "Retrigger (disabled)" only: ${labels}`);
    const { actionTaskId, form } = await submitAction('Retrigger (disabled)', { expectForm: defaultsForm(actionNamed('retrigger', def.tags).schema) });
    await shot('retrigger-disabled-action-task');
    const a = await checkActionTask(actionTaskId, { callback: 'retrigger-disabled', target: ids.release });
    assert(a.status.state === 'failed', `refused retrigger-disabled: the action task fails (${a.status.state})`);
    assert(a.run.exitCode === 1, `tc-action exit 1 (policy refusal), got ${a.run.exitCode}`);
    assert(a.report.outcome === 'refused' && a.report.exitCode === 1, `report.json outcome ${a.report.outcome} exitCode ${a.report.exitCode}`);
    assert(/not retriggerable/.test(a.report.error) && /force/.test(a.report.error), `report.json says why: ${a.report.error}`);
    assert((a.report.operations || []).length === 0, 'nothing was done');
    // report.html says why, as a person reads it (tags stripped)
    const text = a.reportHtml.replace(/<[^>]*>/g, ' ').replace(/&[a-z]+;|&#\d+;/g, ' ').replace(/\s+/g, ' ');
    assert(/not retriggerable/.test(text) && /force/.test(text), `report.html says why (not retriggerable; force): ${text.slice(0, 600)}`);
    assert(/refused/i.test(text), 'report.html says the action was refused');
    const groupAfter = await groupTasks();
    const made = groupAfter.filter(t => t.task.extra?.parent === actionTaskId);
    assert(made.length === 0, `no copies of the release task: ${made.length}`);
    assert(groupAfter.length === groupBefore.length + 1, `only the action task was added to the group: ${groupBefore.length} -> ${groupAfter.length}`);
    await page.reload();
    await page.getByText('failed', { exact: false }).first().waitFor();
    await shot('retrigger-disabled-action-task-failed');
    // a failed action task is not indexed (the index indexes completed tasks only)
    let idx = null;
    try { idx = await index.findTask(`${world.push.indexPrefix}.pushlog-id.${world.push.pushlogId}.actions.${actionTaskId}`); } catch (err) { if (err.statusCode !== 404) throw err; }
    assert(idx === null, 'the refused action task is not indexed');
    // the report as a person opens it from the task's artifacts (the queue redirects to the s3 object)
    await page.goto(`${ROOT}/api/queue/v1/task/${actionTaskId}/artifacts/public/report.html`);
    await page.getByText('not retriggerable').first().waitFor();
    await shot('retrigger-disabled-report-html');
    // its links lead into this UI: the target task's id opens the release task's page
    await page.locator(`a[href$="tasks/${ids.release}"]`).first().click();
    await page.waitForURL(`${ROOT}/tasks/${ids.release}`);
    await page.getByText(`Task "${def.metadata.name}"`).first().waitFor();
    return { actionTaskId, form, error: a.report.error, reportHtml: 'says why (not retriggerable; force; refused)' };
  });

  await flow('add-new-jobs', async () => {
    // Treeherder's "Add new jobs": a group action (context []), so the UI offers it in the task-group view
    await page.goto(`${ROOT}/tasks/groups/${D}`);
    await page.getByText((await queue.task(ids.test)).metadata.name).first().waitFor();
    const labels = await openMenu();
    const action = groupAction('add-new-jobs');
    assert(action && labels.includes(action.title), `the group menu offers "${action?.title}": ${labels}`);
    const label = world.labels.newJob;
    const before = await groupTasks();
    // the push's earlier action tasks, as tc-action will find them: completed ones are indexed under
    // <prefix>.pushlog-id.<id>.actions (failed ones are not)
    const ns = `${world.push.indexPrefix}.pushlog-id.${world.push.pushlogId}.actions`;
    const { tasks: earlier } = await index.listTasks(ns, {});
    const retriggerAction = results.flows.find(f => f.name === 'retrigger' && f.ok)?.details.actionTaskId;
    if (retriggerAction) assert(earlier.some(t => t.taskId === retriggerAction), `the retrigger's action task is listed under ${ns}: ${earlier.map(t => t.taskId)}`);
    assert(!before.some(t => t.task.tags?.label === label), `${label} is not in the group yet`);
    const { actionTaskId, form } = await submitAction(action.title, {
      expectForm: defaultsForm(action.schema), input: `tasks: ["${label}"]\ntimes: 1\n` });
    await shot('add-new-jobs-action-task');
    const def = await queue.task(actionTaskId);
    const target = JSON.parse(def.payload.env.ACTION_TASK_ID);
    assert(target === null || target === D, `add-new-jobs ACTION_TASK_ID is null or the decision task: ${def.payload.env.ACTION_TASK_ID}`);
    const a = await checkActionTask(actionTaskId, { callback: 'add-new-jobs', target, input: { tasks: [label], times: 1 } });
    assert(a.status.state === 'completed' && a.report.outcome === 'done', `add-new-jobs action task: ${a.status.state} ${a.report.outcome} ${a.report.error ?? ''}`);
    // the new task, from the queue: the full graph's definition of the label, in the decision's group,
    // depending on the build (already in the push: reused, not re-created), the action task and (as
    // taskgraph's create_tasks adds it when no dependency is created in the same graph) the decision
    const made = (await groupTasks()).filter(t => t.task.extra?.parent === actionTaskId);
    assert(made.length === 1, `one task created by add-new-jobs, found ${made.length}: ${made.map(t => t.task.tags?.label)}`);
    const t = made[0].task;
    assert(t.tags.label === label && t.metadata.name === label, `the new task is ${label}: ${t.tags.label}`);
    assert(t.taskQueueId === world.queues.test && t.schedulerId === 'gecko-level-1' && t.taskGroupId === D, `the new task's queue/scheduler/group: ${t.taskQueueId} ${t.schedulerId} ${t.taskGroupId}`);
    assert(JSON.stringify([...t.dependencies].sort()) === JSON.stringify([ids.build, actionTaskId, D].sort()),
      `the new task depends on the build, the action task and the decision: ${JSON.stringify(t.dependencies)}`);
    assert(t.payload.env.GECKO_INSTALLER_URL.includes(`/task/${ids.build}/`), `<build> resolved to the build: ${t.payload.env.GECKO_INSTALLER_URL}`);
    assert(!('relative-datestamp' in Object(t.deadline)) && Date.parse(t.deadline) > Date.now(), 'datestamps resolved');
    const newId = made[0].status.taskId;
    const st = await until('the new task scheduled (build + action task completed)', async () => {
      const { status } = await queue.status(newId);
      return status.state === 'pending' ? status.state : null;
    }, { timeoutMs: 30000 });
    // the action's own graph artifacts name it, as taskgraph's create_tasks writes them
    const l2t = await (await publicArtifact(actionTaskId, 'public/label-to-taskid.json')).json();
    assert(l2t[label] === newId && l2t[world.labels.build] === ids.build, `label-to-taskid.json of the action: ${JSON.stringify(l2t)}`);
    const graph = await (await publicArtifact(actionTaskId, 'public/task-graph.json')).json();
    assert(Object.keys(graph).length === 1 && graph[newId]?.label === label, `task-graph.json of the action: ${Object.keys(graph)}`);
    // tc-action read the decision's label map and every earlier indexed action task's (its log, uploaded
    // by the worker: "read full-task-graph.json (...) and N label-to-taskid.json files")
    const liveLog = await (await publicArtifact(actionTaskId, 'public/logs/live_backing.log')).text();
    const m = /read full-task-graph\.json \((\d+) tasks[^)]*\) and (\d+) label-to-taskid\.json/.exec(liveLog);
    assert(m && Number(m[1]) === 4 && Number(m[2]) === 1 + earlier.length,
      `tc-action merged the decision's and ${earlier.length} earlier action task(s)' label maps: ${m?.[0] ?? liveLog.slice(0, 400)}`);
    const indexedAt = await indexedAction(actionTaskId);
    await page.goto(`${ROOT}/tasks/${newId}`);
    await page.getByText(`Task "${label}"`).first().waitFor();
    await shot('add-new-jobs-new-task');
    return { actionTaskId, form, newTaskId: newId, state: st, dependencies: t.dependencies, indexedAt, labelMapsMerged: Number(m[2]) };
  });

  await flow('cancel-all', async () => {
    await page.goto(`${ROOT}/tasks/groups/${D}`);
    await page.getByText((await queue.task(ids.test)).metadata.name).first().waitFor();
    const labels = await openMenu();
    await shot('group-actions-menu', { fullPage: false });
    const expected = productMenu(null).map(a => a.title);
    const inTree = labels.filter(l => !BUILTIN_GROUP_MENU.includes(l));
    assert(JSON.stringify([...inTree].sort()) === JSON.stringify([...expected].sort()), `group menu ${JSON.stringify(inTree)} vs tc-action actions ${JSON.stringify(expected)}`);
    const open = (await groupTasks()).filter(t => ['unscheduled', 'pending', 'running'].includes(t.status.state)).map(t => t.status.taskId);
    assert(open.length >= 1, 'something to cancel');
    const copies = results.flows.find(f => f.name === 'retrigger' && f.ok)?.details.copies ?? [];
    assert(copies.every(c => open.includes(c)), `the retrigger copies are among the open tasks: ${copies} / ${open}`);
    const { actionTaskId, form } = await submitAction('Cancel All', { expectForm: defaultsForm(groupAction('cancel-all').schema) });
    await shot('cancel-all-action-task');
    const def = await queue.task(actionTaskId);
    // the task-group view hands the group's decision task to the action's JSON-e context
    // (ui/src/views/Tasks/TaskGroup/index.jsx: submitTaskAction({task: data.task})), so taskId is the
    // decision's, where tc-action trigger and Treeherder send null; both are accepted for group actions
    const target = JSON.parse(def.payload.env.ACTION_TASK_ID);
    assert(target === null || target === D, `cancel-all ACTION_TASK_ID is null or the decision task: ${def.payload.env.ACTION_TASK_ID}`);
    const a = await checkActionTask(actionTaskId, { callback: 'cancel-all', target });
    assert(a.status.state === 'completed' && a.report.outcome === 'done', `cancel-all action task: ${a.status.state} ${a.report.outcome} ${a.report.error ?? ''}`);
    for (const id of open) {
      const { status } = await queue.status(id);
      const last = status.runs[status.runs.length - 1];
      assert(status.state === 'exception' && last.reasonResolved === 'canceled', `${id} canceled: ${status.state}/${last?.reasonResolved}`);
    }
    const st = async k => (await queue.status(ids[k])).status.state;
    assert(await st('build') === 'completed' && await st('release') === 'completed', 'resolved tasks untouched');
    await page.reload();
    await page.getByText('completed', { exact: false }).first().waitFor();  // rendered, not a blank frame
    await shot('cancel-all-action-task-completed');
    await page.goto(`${ROOT}/tasks/groups/${D}`);
    await page.getByText('exception', { exact: false }).first().waitFor();
    await shot('group-after-cancel-all');
    return { actionTaskId, form, actionTaskIdEnv: def.payload.env.ACTION_TASK_ID, reportTaskId: a.report.taskId ?? null, canceled: open, proxy: a.run.proxy };
  });
} finally {
  results.memory = memory();
  results.console = consoleLines.slice(-200);
  results.worker = workerRuns();
  await context.close().catch(() => {});
  worker.kill('SIGTERM');
  fs.rmSync(profile, { recursive: true, force: true });
  writeJson(path.join(SHOTS, 'results.json'), results);
}
const failed = results.flows.filter(f => !f.ok);
log(`${results.flows.length - failed.length}/${results.flows.length} flows passed; screenshots and results.json in ${SHOTS}`);
log(`memory at the end of the flows (MB): ${JSON.stringify(results.memory)}`);
process.exit(failed.length ? 1 : 0);
