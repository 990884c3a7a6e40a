// The decision side, for real, in the genuine services (run with the root credentials of the stack):
//  1. `tc-action register` renders public/actions.json (the run's parameters.yml + the repository's
//     taskcluster/.taskcluster.yml; the actions from tc-action's own registry) and the in-tree action hooks (--hooks-output, from
//     taskcluster/hooks/in-tree-action.json);
//  2. roles as Firefox CI's ci-admin grants them (fxci-config: hook-id:<group>/<id> -> assume the
//     repo's action role; the decision task's branch role -> in-tree:hook-action:<group>/<id> and the
//     graph's queue scopes), the hooks in the hooks service, a person client (the one who signs in to
//     the UI) and the worker client;
//  3. a decision task in the queue, claimed here (standing in for its worker), for a push of its own
//     (a fresh pushlog_id and head_rev per run: the index keeps every run's decision and action tasks,
//     and tc-action finds the push's decision by index path, so runs must not share a push). With the
//     claim's credentials (the decision task's scopes) it creates the graph - a build, a failed
//     retriggerable test, a release-like task (beetmover, not retriggerable) - and uploads what
//     taskgraph's decision publishes: public/actions.json, parameters.yml, full-task-graph.json (by
//     label; one more test, test-linux64/opt-xpcshell-1, is in the full graph only: for add-new-jobs),
//     task-graph.json (by taskId), label-to-taskid.json, as s3 artifacts; it completes, and the index
//     service indexes it under its routes (gecko.v2.try.pushlog-id.<id>.decision, ...revision.<rev>.
//     taskgraph.decision, ...latest.taskgraph.decision): seed waits until the index finds it there;
//  4. the graph is run to its states: build completed, test failed, release-like completed.
// Writes $TC_UI_DIR/run/world.json (ids; no secrets) and $TC_UI_DIR/run/clients.json (mode 600).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tc, rootUrl, rootCredentials, until, writeJson, assert, UI_DIR } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const TC_ACTION = path.resolve(process.env.TC_ACTION_BIN || path.join(REPO, 'build/tc-action'));
const ROOT = rootUrl();
const root = rootCredentials();
const auth = new tc.Auth({ rootUrl: ROOT, credentials: root });
const hooks = new tc.Hooks({ rootUrl: ROOT, credentials: root });
const queue = new tc.Queue({ rootUrl: ROOT, credentials: root });
const RUN_DIR = path.join(UI_DIR, 'run');
const log = msg => process.stderr.write(`[seed ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const REPO_URL = 'https://hg.mozilla.org/try';  // parameters.yml head_repository
const REPO_ROLE = `repo:${REPO_URL.slice(8)}`;  // ci-admin's role prefix for the project
const LEVEL = '1';
const SCHEDULER = `gecko-level-${LEVEL}`;
const tag = Math.random().toString(36).slice(2, 8).replace(/^[0-9]/, 'q');
// per-run worker types for the graph, so leftovers of earlier runs are never claimed here
const Q = {
  decision: `ui-test/decision-${tag}`,
  build: `gecko-${LEVEL}/b-linux-${tag}`,
  test: `gecko-t/t-linux-${tag}`,
  release: `scriptworker-k8s/gecko-${LEVEL}-beetmover-${tag}`,
};
const ACTION_QUEUE = `gecko-${LEVEL}/decision`;  // taskcluster/.taskcluster.yml: taskQueueId of action tasks

async function upsertRole(roleId, scopes, description) {
  const body = { description: `${description} (tc-action UI tier)`, scopes };
  try { await auth.createRole(roleId, body); } catch (err) {
    if (err.statusCode !== 409) throw err;
    await auth.updateRole(roleId, body);
  }
}

async function freshClient(clientId, scopes, description) {
  try { await auth.deleteClient(clientId); } catch (err) { if (err.statusCode !== 404) throw err; }
  const c = await auth.createClient(clientId, { expires: tc.fromNowJSON('2 days'), description, scopes, deleteOnExpiration: true });
  return { clientId: c.clientId, accessToken: c.accessToken };
}

function register(decisionTaskId, dir) {
  const out = execFileSync(TC_ACTION, [
    'register', '--parameters', PARAMS_FILE,
    '--taskcluster-yml', path.join(REPO, 'taskcluster/.taskcluster.yml'),
    '--hook-template', path.join(REPO, 'taskcluster/hooks/in-tree-action.json'),
    '--trust-domain', 'gecko', '--decision-task-id', decisionTaskId,
    '--output', path.join(dir, 'actions.json'), '--hooks-output', path.join(dir, 'hooks.json'),
  ], { encoding: 'utf8' });
  log(out.trim());
  return {
    actions: JSON.parse(fs.readFileSync(path.join(dir, 'actions.json'), 'utf8')),
    hooks: JSON.parse(fs.readFileSync(path.join(dir, 'hooks.json'), 'utf8')),
  };
}

// The entry exactly as `tc-action register --hooks-output` writes it: {hookGroupId, hookId, hook}, where
// hook is a complete create-hook-request body (the hooks service must accept it as it is).
async function installHook(h) {
  const { hookGroupId, hookId, hook } = h;
  assert(hook && hook.metadata && hook.task, `--hooks-output entry ${hookGroupId}/${hookId} carries a hook definition`);
  try {
    await hooks.createHook(hookGroupId, hookId, hook);
    return 'as written by register';
  } catch (err) {
    if (err.statusCode !== 409) throw err;
    await hooks.updateHook(hookGroupId, hookId, hook);
    return 'as written by register (updated)';
  }
}

async function claimOne(taskQueueId, taskId) {
  const claim = await until(`a claim of ${taskId} on ${taskQueueId}`, async () => {
    const { tasks } = await queue.claimWork(taskQueueId, { workerGroup: 'ui-test-seed', workerId: 'seed', tasks: 1 });
    if (tasks.length === 0) return null;
    assert(tasks[0].status.taskId === taskId, `claimed ${tasks[0].status.taskId} on the per-run queue ${taskQueueId}, expected ${taskId}`);
    return tasks[0];
  }, { timeoutMs: 90000, intervalMs: 200 });
  return { claim, tq: new tc.Queue({ rootUrl: ROOT, credentials: claim.credentials }) };
}

// an s3 artifact as docker-worker uploads one (createArtifact -> PUT putUrl); it expires with the task
async function s3Artifact({ claim, tq }, name, body, contentType) {
  const taskId = claim.status.taskId;
  const r = await tq.createArtifact(taskId, claim.runId, name, { storageType: 's3', expires: claim.task.expires, contentType });
  const put = await fetch(r.putUrl, { method: 'PUT', body, headers: { 'content-type': contentType } });
  assert(put.ok, `PUT ${name}: ${put.status}`);
}

const now = () => new Date().toJSON();
// A task of the full graph, as taskgraph's decision writes it into full-task-graph.json: the definition
// with relative datestamps and {task-reference: <dep>} placeholders, no taskGroupId, schedulerId or
// dependencies (create_tasks adds them); dependencies by edge name -> label; attributes.retrigger as
// taskgraph's job transforms set it for tests.
function fullGraphTask({ label, kind, taskQueueId, deps = {}, tags, attributes = {}, scopes = [], payload, priority = 'very-low', treeherder }) {
  return {
    kind, label, attributes: { kind, ...attributes }, dependencies: deps, soft_dependencies: [], if_dependencies: [],
    optimization: null,
    task: {
      taskQueueId, provisionerId: taskQueueId.split('/')[0], workerType: taskQueueId.split('/')[1],
      created: { 'relative-datestamp': '0 seconds' }, deadline: { 'relative-datestamp': '1 day' },
      expires: { 'relative-datestamp': '1 month' }, priority, retries: 5, requires: 'all-completed',
      routes: [`tc-treeherder.v2.try.${params.head_rev}.${params.pushlog_id}`],
      scopes, payload,
      metadata: { name: label, description: `${kind} task of the UI tier's graph`, owner: params.owner, source: `${REPO_URL}/file/${params.head_rev}/taskcluster/kinds/${kind}` },
      tags: { kind, label, createdForUser: params.owner, ...tags },
      extra: { index: { rank: 0 }, parent: null, treeherder },
    },
  };
}

// the definition the decision creates from a full-graph entry (taskgraph's create_tasks at decision
// time): datestamps resolved, {task-reference} resolved through label -> taskId, dependencies added
function resolveDef(entry, taskIdOf) {
  const ms = { seconds: 1000, day: 86400000, days: 86400000, month: 30 * 86400000 };
  const walk = v => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      if ('relative-datestamp' in v) {
        const [n, unit] = v['relative-datestamp'].split(' ');
        return new Date(Date.now() + Number(n) * ms[unit]).toJSON();
      }
      if ('task-reference' in v) return v['task-reference'].replace(/<([^>]+)>/g, (_, dep) => taskIdOf(entry.dependencies[dep]));
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const def = walk(entry.task);
  delete def.provisionerId; delete def.workerType;  // taskQueueId is enough (and the queue wants one form)
  def.dependencies = Object.values(entry.dependencies).map(taskIdOf);
  return def;
}

// ---- parameters: tests/ui/data/parameters.yml with a push of this run's own ----
// (a fresh pushlog_id and head_rev/head_ref: every run is a new push, so the index paths tc-action
// reads - <td>.v2.try.pushlog-id.<id>.decision / .actions, revision.<rev>.actions - hold this run's
// tasks only)
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tc-ui-decision-'));
const pushlogId = String(800000 + Math.floor(Date.now() / 1000) % 100000000);
const headRev = [...Array(40)].map(() => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
const paramsText = fs.readFileSync(path.join(HERE, 'data/parameters.yml'), 'utf8')
  .replace(/^pushlog_id: .*$/m, `pushlog_id: '${pushlogId}'`)
  .replace(/^head_rev: .*$/m, `head_rev: ${headRev}`)
  .replace(/^head_ref: .*$/m, `head_ref: ${headRev}`)
  .replace(/^pushdate: .*$/m, `pushdate: ${Math.floor(Date.now() / 1000)}`);
const PARAMS_FILE = path.join(work, 'parameters.yml');
fs.writeFileSync(PARAMS_FILE, paramsText);
const params = Object.fromEntries(paramsText.split('\n')
  .map(l => /^([a-z_]+): '?([^'\n]*)'?$/.exec(l)).filter(Boolean).map(m => [m[1], m[2]]));
assert(params.head_rev === headRev && params.pushlog_id === pushlogId && params.owner && params.project === 'try', 'parameters.yml: the run\'s push');
const INDEX_PREFIX = `gecko.v2.${params.project}`;
const DECISION_PATH = `${INDEX_PREFIX}.pushlog-id.${pushlogId}.decision`;  // what tc-action looks up (hg)

// ---- 1. register ----
const decisionTaskId = tc.slugid();
const { actions, hooks: hookDefs } = register(decisionTaskId, work);

// ---- 2. roles, hooks, clients ----
const hookIds = [...new Set(actions.actions.map(a => `${a.hookGroupId}/${a.hookId}`))];
const perms = [...new Set(actions.actions.map(a => a.extra?.actionPerm ?? 'generic'))];
// graph queues (per-run worker types: a prefix scope), as the decision's branch role grants them
const graphCreate = ['gecko-1/b-linux-*', 'gecko-t/t-linux-*', 'scriptworker-k8s/gecko-1-beetmover-*'].map(q => `queue:create-task:highest:${q}`);
const releaseScopes = ['project:releng:beetmover:bucket:dep', 'project:releng:beetmover:action:push-to-candidates'];
await upsertRole(`${REPO_ROLE}:branch:default`, [
  `in-tree:hook-action:project-gecko/in-tree-action-${LEVEL}-*`,
  'queue:create-task:project:none', ...graphCreate, `queue:scheduler-id:${SCHEDULER}`,
  `queue:route:tc-treeherder.v2.try.*`, `queue:route:index.gecko.v2.try.*`,
  ...releaseScopes,
], 'scopes of the decision task of a try push');
for (const perm of perms) {
  // the action task's scopes (task.scopes = assume:repo:<repo>:action:<perm>): what the hook needs to
  // create it (taskcluster/.taskcluster.yml: queue, scheduler, routes) and what tc-action needs to act on
  // the graph (rerun, cancel, create copies of graph tasks with their routes)
  await upsertRole(`${REPO_ROLE}:action:${perm}`, [
    'queue:create-task:project:none', `queue:create-task:highest:${ACTION_QUEUE}`, `queue:scheduler-id:${SCHEDULER}`,
    'queue:route:tc-treeherder.v2.try.*', 'queue:route:index.gecko.v2.try.*',
    'queue:route:notify.email.taskcluster-notifications+action-task@mozilla.com.on-failed',
    'queue:route:notify.email.taskcluster-notifications+action-task@mozilla.com.on-exception',
    ...graphCreate, `queue:rerun-task:${SCHEDULER}/*`, `queue:cancel-task:${SCHEDULER}/*`,
  ], `action tasks (${perm}) of try`);
  await upsertRole(`hook-id:project-gecko/in-tree-action-${LEVEL}-${perm}/*`, [`assume:${REPO_ROLE}:action:${perm}`],
    `in-tree action hooks (${perm}) of level ${LEVEL}`);
}
const installed = {};
for (const h of hookDefs) installed[`${h.hookGroupId}/${h.hookId}`] = await installHook(h);
assert(hookIds.every(id => installed[id]), `every hook actions.json names is installed: ${hookIds} vs ${Object.keys(installed)}`);
log(`hooks: ${Object.entries(installed).map(([k, v]) => `${k} (${v})`).join(', ')}`);
const person = await freshClient('ui-test/person', [
  `hooks:trigger-hook:project-gecko/in-tree-action-${LEVEL}-*`, 'assume:anonymous', 'web:read-pulse',
], 'the person who signs in to the UI (tc-action UI tier)');
const workerClient = await freshClient('ui-test/worker', [`queue:claim-work:${ACTION_QUEUE}`, 'queue:worker-id:ui-test/*'],
  'the action-task worker (tc-action UI tier)');
fs.mkdirSync(RUN_DIR, { recursive: true });
fs.writeFileSync(path.join(RUN_DIR, 'clients.json'), JSON.stringify({ person, worker: workerClient }), { mode: 0o600 });
fs.chmodSync(path.join(RUN_DIR, 'clients.json'), 0o600);

// ---- 3. the decision task ----
await queue.createTask(decisionTaskId, {
  taskQueueId: Q.decision, schedulerId: SCHEDULER, taskGroupId: decisionTaskId,
  created: now(), deadline: tc.fromNowJSON('1 day'), expires: tc.fromNowJSON('1 month'), priority: 'very-low',
  scopes: [`assume:${REPO_ROLE}:branch:default`],
  // gecko's decision routes (taskcluster/.taskcluster.yml of mozilla-central)
  routes: [`tc-treeherder.v2.try.${params.head_rev}.${params.pushlog_id}`, `index.${INDEX_PREFIX}.latest.taskgraph.decision`,
    `index.${INDEX_PREFIX}.revision.${params.head_rev}.taskgraph.decision`, `index.${DECISION_PATH}`],
  payload: { image: 'mozillareleng/tc-action:latest', maxRunTime: 1800,
    command: ['tc-action', 'register', '--parameters', 'parameters.yml', '--taskcluster-yml', '.taskcluster.yml', '--output', '/builds/worker/artifacts/actions.json'],
    artifacts: { public: { type: 'directory', path: '/builds/worker/artifacts' } } },
  metadata: { name: 'Gecko Decision Task', description: 'decision task of the tc-action UI tier', owner: params.owner, source: `${REPO_URL}/raw-file/${params.head_rev}/.taskcluster.yml` },
  tags: { kind: 'decision-task', createdForUser: params.owner },
  extra: { treeherder: { symbol: 'D', machine: { platform: 'gecko-decision' } }, tasks_for: 'hg-push' },
});
const dc = await claimOne(Q.decision, decisionTaskId);
const { claim: dclaim, tq: dq } = dc;
log(`decision ${decisionTaskId} claimed`);

const ids = { build: tc.slugid(), test: tc.slugid(), release: tc.slugid() };
const labels = { build: 'build-linux64/opt', test: 'test-linux64/opt-mochitest-browser-chrome-1', release: 'beetmover-repackage-linux64-shippable/opt',
  newJob: 'test-linux64/opt-xpcshell-1' };
const full = {
  build: fullGraphTask({ label: labels.build, kind: 'build', taskQueueId: Q.build, tags: { retrigger: 'false' },
    attributes: { build_platform: 'linux64', build_type: 'opt', retrigger: false },
    payload: { image: 'taskcluster/build:latest', command: ['build.sh'], maxRunTime: 3600,
      artifacts: { public: { type: 'directory', path: '/builds/worker/artifacts' } } },
    treeherder: { symbol: 'B', kind: 'build', machine: { platform: 'linux64' }, collection: { opt: true }, tier: 1 } }),
  test: fullGraphTask({ label: labels.test, kind: 'test', taskQueueId: Q.test, deps: { build: labels.build },
    tags: { retrigger: 'true', 'test-type': 'mochitest', os: 'linux', 'test-suite': 'mochitest-browser-chrome' },
    attributes: { unittest_suite: 'mochitest-browser-chrome', test_platform: 'linux64/opt', retrigger: true },
    payload: { image: 'taskcluster/tester:latest', command: ['run-tests.sh'], maxRunTime: 5400,
      env: { GECKO_INSTALLER_URL: { 'task-reference': `${ROOT}/api/queue/v1/task/<build>/artifacts/public/build/target.tar.gz` } } },
    treeherder: { symbol: 'bc1', groupSymbol: 'M', kind: 'test', machine: { platform: 'linux64' }, collection: { opt: true }, tier: 1 } }),
  release: fullGraphTask({ label: labels.release, kind: 'beetmover-repackage', taskQueueId: Q.release, deps: { build: labels.build }, tags: {},
    attributes: { shippable: true, build_platform: 'linux64-shippable' },
    scopes: releaseScopes, priority: 'highest',
    payload: { maxRunTime: 600, upstreamArtifacts: [{ taskId: { 'task-reference': '<build>' }, taskType: 'build', paths: ['public/build/target.tar.gz'], locale: 'en-US' }],
      releaseProperties: { appName: 'Firefox', buildid: params.moz_build_date, hashType: 'sha512', platform: 'linux64' } },
    treeherder: { symbol: 'BMR', kind: 'other', machine: { platform: 'linux64-shippable' }, collection: { opt: true }, tier: 1 } }),
  // in the full graph only (not in the push's target tasks): Treeherder's "Add new jobs" adds it
  newJob: fullGraphTask({ label: labels.newJob, kind: 'test', taskQueueId: Q.test, deps: { build: labels.build },
    tags: { retrigger: 'true', 'test-type': 'xpcshell', os: 'linux', 'test-suite': 'xpcshell' },
    attributes: { unittest_suite: 'xpcshell', test_platform: 'linux64/opt', retrigger: true },
    payload: { image: 'taskcluster/tester:latest', command: ['run-tests.sh', '--xpcshell'], maxRunTime: 5400,
      env: { GECKO_INSTALLER_URL: { 'task-reference': `${ROOT}/api/queue/v1/task/<build>/artifacts/public/build/target.tar.gz` } } },
    treeherder: { symbol: 'X1', groupSymbol: 'X', kind: 'test', machine: { platform: 'linux64' }, collection: { opt: true }, tier: 1 } }),
};
const fullTaskGraph = Object.fromEntries(Object.values(full).map(e => [e.label, e]));
const taskIdOf = label => ids[Object.keys(labels).find(k => labels[k] === label)];
const defs = {};
for (const k of ['build', 'test', 'release']) {
  defs[k] = resolveDef(full[k], taskIdOf);
  defs[k].taskGroupId = decisionTaskId;
  defs[k].schedulerId = SCHEDULER;
  if (defs[k].dependencies.length === 0) defs[k].dependencies = [decisionTaskId];  // create_tasks: no in-graph dependency -> the decision
  await dq.createTask(ids[k], defs[k]);  // with the decision task's own scopes
}
log(`graph created with the decision's credentials: ${JSON.stringify(ids)}`);
// task-graph.json: the target graph as created, by taskId, dependencies by edge name -> taskId
const taskGraph = {};
for (const k of ['build', 'test', 'release']) {
  const def = await queue.task(ids[k]);
  taskGraph[ids[k]] = {
    ...full[k], task_id: ids[k], task: def,
    dependencies: Object.fromEntries(Object.entries(full[k].dependencies).map(([n, l]) => [n, taskIdOf(l)])),
  };
}
const labelToTaskId = Object.fromEntries(['build', 'test', 'release'].map(k => [labels[k], ids[k]]));
await s3Artifact(dc, 'public/actions.json', JSON.stringify(actions, null, 2), 'application/json');
await s3Artifact(dc, 'public/task-graph.json', JSON.stringify(taskGraph), 'application/json');
await s3Artifact(dc, 'public/label-to-taskid.json', JSON.stringify(labelToTaskId), 'application/json');
await s3Artifact(dc, 'public/full-task-graph.json', JSON.stringify(fullTaskGraph), 'application/json');
await s3Artifact(dc, 'public/parameters.yml', paramsText, 'text/yaml');
await dq.reportCompleted(decisionTaskId, dclaim.runId);
log('decision completed (public/actions.json, parameters.yml, full-task-graph.json, task-graph.json, label-to-taskid.json)');
// the index service indexes the decision on completion (its handlers, from the queue's pulse message)
const index = new tc.Index({ rootUrl: ROOT });
const indexed = await until(`the index to find the decision at ${DECISION_PATH}`, async () => {
  try { return await index.findTask(DECISION_PATH); } catch (err) { if (err.statusCode === 404) return null; throw err; }
}, { timeoutMs: 60000, intervalMs: 500 });
assert(indexed.taskId === decisionTaskId, `index ${DECISION_PATH} -> ${indexed.taskId}, expected the decision ${decisionTaskId}`);
log(`decision indexed at ${DECISION_PATH}`);

// ---- 4. run the graph to its states ----
{
  const c = await claimOne(Q.build, ids.build), { claim, tq } = c;
  await s3Artifact(c, 'public/build/target.tar.gz', Buffer.from('not really a build\n'), 'application/gzip');
  await tq.reportCompleted(ids.build, claim.runId);
}
{
  const c = await claimOne(Q.test, ids.test), { claim, tq } = c;
  await s3Artifact(c, 'public/logs/live_backing.log', 'TEST-UNEXPECTED-FAIL | browser_intermittent.js | an intermittent failure\n', 'text/plain');
  await tq.reportFailed(ids.test, claim.runId);
}
{
  const { claim, tq } = await claimOne(Q.release, ids.release);
  await tq.reportCompleted(ids.release, claim.runId);
}
const states = {};
for (const k of ['build', 'test', 'release']) states[k] = (await queue.status(ids[k])).status.state;
assert(states.build === 'completed' && states.test === 'failed' && states.release === 'completed', `graph states ${JSON.stringify(states)}`);
log(`graph states: ${JSON.stringify(states)}`);

const world = {
  rootUrl: ROOT, decisionTaskId, taskGroupId: decisionTaskId, ids, labels, queues: Q, actionQueue: ACTION_QUEUE,
  push: { pushlogId, headRev, project: params.project, decisionIndexPath: DECISION_PATH, indexPrefix: INDEX_PREFIX },
  hookIds, hooksInstalled: installed, roles: { branch: `${REPO_ROLE}:branch:default`, action: perms.map(p => `${REPO_ROLE}:action:${p}`) },
  clients: { person: person.clientId, worker: workerClient.clientId }, actionsJson: actions,
  seededAt: now(),
};
writeJson(path.join(RUN_DIR, 'world.json'), world);
fs.rmSync(work, { recursive: true, force: true });
log(`world written: ${path.join(RUN_DIR, 'world.json')}`);
