// A small worker for action tasks, as docker-worker with taskcluster-proxy runs them, minus Docker:
// it claims tasks of one task queue from the genuine queue (claimWork), runs the task's command with
// `tc-action` replaced by $TC_ACTION_BIN and docker-worker's home /builds/worker mapped to a fresh
// temporary directory, with the environment a docker-worker task sees:
//   payload.env + TASK_ID, RUN_ID, TASKCLUSTER_ROOT_URL, TASKCLUSTER_WORKER_GROUP, TASKCLUSTER_WORKER_TYPE
//   + with payload.features.taskclusterProxy (as taskcluster/.taskcluster.yml sets it): TASKCLUSTER_PROXY_URL
//     of a taskcluster-proxy this worker runs for the task (unsigned /api/<service>/<version>/... requests,
//     forwarded to the root URL signed with the claim's temporary credentials, as taskcluster-proxy does);
//     without it, or with --no-proxy: the claim's credentials themselves (TASKCLUSTER_CLIENT_ID /
//     ACCESS_TOKEN / CERTIFICATE). Either way the authority is the claim's: the task's scopes plus
//     reclaim/resolve/create-artifact of this run.
// then uploads payload.artifacts (type directory/file) as the task's artifacts (storageType s3, as
// docker-worker does: createArtifact -> PUT putUrl; or `object`: createArtifact -> object upload ->
// finishArtifact, with --storage object), the output as public/logs/live_backing.log (+ live.log
// reference), and resolves the run: exit 0 -> reportCompleted, else reportFailed; a payload it cannot
// run -> reportException malformed-payload. maxRunTime is enforced (SIGKILL, then failed).
// Not emulated: Docker itself, chainOfTrust (public/chain-of-trust.json), caches, live logging.
//
//   node worker.mjs --task-queue gecko-1/decision [--worker-group ui-test --worker-id w1]
//        [--max-tasks N] [--results FILE.jsonl] [--storage s3|object] [--no-proxy] [--log-dir DIR] [--keep-dirs]
// Credentials: TASKCLUSTER_ROOT_URL + TASKCLUSTER_CLIENT_ID/ACCESS_TOKEN with queue:claim-work:<queue>
// and queue:worker-id:<group>/<id>. Binary: $TC_ACTION_BIN (default build/tc-action of this repository).
// Each resolved task is one JSON line on stdout (and in --results):
// {taskId, runId, exitCode, state, artifacts, proxy: {requests}|null}.
import { spawn } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tc, hawk, rootUrl, rootCredentials } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    'task-queue': { type: 'string' },
    'worker-group': { type: 'string', default: 'ui-test' },
    'worker-id': { type: 'string', default: `worker-${process.pid}` },
    'max-tasks': { type: 'string', default: '0' },
    results: { type: 'string' },
    storage: { type: 'string', default: 's3' },
    'keep-dirs': { type: 'boolean', default: false },
    'no-proxy': { type: 'boolean', default: false },
    'log-dir': { type: 'string', default: path.join(process.env.TC_UI_DIR || '/tmp/tc-ui', 'run', 'worker-logs') },
  },
});
if (!opt['task-queue']) throw new Error('--task-queue is required');
if (!['s3', 'object'].includes(opt.storage)) throw new Error('--storage: s3 or object');
const TC_ACTION = path.resolve(process.env.TC_ACTION_BIN || path.join(HERE, '../../build/tc-action'));
if (!fs.existsSync(TC_ACTION)) throw new Error(`tc-action binary not found: ${TC_ACTION} (set TC_ACTION_BIN)`);
const HOME_IN_IMAGE = '/builds/worker';  // docker-worker's task user home (the image's WORKDIR)
const queueId = opt['task-queue'];
const [provisionerId, workerType] = queueId.split('/');
const ROOT = rootUrl();
const queue = new tc.Queue({ rootUrl: ROOT, credentials: rootCredentials() });
let stopping = false;
let busy = false;
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    stopping = true;
    if (!busy) process.exit(0);
  });
}

const log = msg => process.stderr.write(`[worker ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const CONTENT_TYPES = { '.json': 'application/json', '.html': 'text/html', '.yml': 'text/yaml', '.yaml': 'text/yaml', '.log': 'text/plain', '.txt': 'text/plain', '.gz': 'application/gzip' };

class MalformedPayload extends Error {}

// docker-worker paths inside the image -> the task's temporary directory
function mapPath(p, home) {
  if (typeof p !== 'string') return p;
  if (p === HOME_IN_IMAGE || p.startsWith(HOME_IN_IMAGE + '/')) return path.join(home, p.slice(HOME_IN_IMAGE.length));
  return p;
}

function commandOf(payload, home) {
  let cmd = payload.command;
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every(a => typeof a === 'string'))
    throw new MalformedPayload(`payload.command: expected a non-empty list of strings, got ${JSON.stringify(cmd)}`);
  if (cmd[0] !== 'tc-action')
    throw new MalformedPayload(`payload.command[0] is ${JSON.stringify(cmd[0])}; this worker only runs tc-action (the image's entry)`);
  return [TC_ACTION, ...cmd.slice(1).map(a => mapPath(a, home))];
}

// taskcluster-proxy for one task run: /api/<service>/<version>/<path> -> <root URL>/api/..., signed with
// the claim's credentials (Hawk, the certificate in ext); responses (redirects too) go back unchanged
async function startProxy(credentials) {
  const ext = Buffer.from(JSON.stringify(credentials.certificate ? { certificate: JSON.parse(credentials.certificate) } : {})).toString('base64');
  const stats = { requests: 0 };
  const server = http.createServer(async (req, res) => {
    try {
      if (!/^\/api\/[a-z-]+\/v\d+\//.test(req.url)) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end(`taskcluster-proxy (UI tier worker): expected /api/<service>/<version>/..., got ${req.url}\n`);
      }
      stats.requests++;
      const url = ROOT + req.url;
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const { header } = hawk.client.header(url, req.method, { credentials: { id: credentials.clientId, key: credentials.accessToken, algorithm: 'sha256' }, ext });
      const headers = { authorization: header };
      for (const h of ['content-type', 'accept', 'x-taskcluster-trace-id']) if (req.headers[h]) headers[h] = req.headers[h];
      const up = await fetch(url, { method: req.method, headers, body: ['GET', 'HEAD'].includes(req.method) ? undefined : Buffer.concat(chunks), redirect: 'manual' });
      const body = Buffer.from(await up.arrayBuffer());  // fetch decoded any content-encoding
      const out = {};
      for (const [k, v] of up.headers) if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
      res.writeHead(up.status, { ...out, 'content-length': body.length });
      res.end(body);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`taskcluster-proxy: ${err.message}\n`);
    }
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, stats, close: () => server.close() };
}

function taskEnv(task, claim, taskId, runId, proxy) {
  const env = {};
  for (const [k, v] of Object.entries(task.payload.env || {})) {
    if (typeof v !== 'string') throw new MalformedPayload(`payload.env.${k}: expected a string, got ${typeof v}`);
    env[k] = v;
  }
  const c = claim.credentials;
  return {
    PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8',
    ...env,
    TASK_ID: taskId, RUN_ID: String(runId),
    TASKCLUSTER_ROOT_URL: ROOT,
    TASKCLUSTER_WORKER_GROUP: claim.workerGroup, TASKCLUSTER_WORKER_TYPE: workerType,
    ...(proxy ? { TASKCLUSTER_PROXY_URL: proxy.url } : {
      TASKCLUSTER_CLIENT_ID: c.clientId, TASKCLUSTER_ACCESS_TOKEN: c.accessToken,
      ...(c.certificate ? { TASKCLUSTER_CERTIFICATE: c.certificate } : {}),
    }),
  };
}

function run(argv, envVars, cwd, maxRunTime, logFile) {
  return new Promise(resolve => {
    const out = fs.createWriteStream(logFile);
    out.write(`[worker] ${argv.map(a => JSON.stringify(a)).join(' ')}\n`);
    const child = spawn(argv[0], argv.slice(1), { cwd, env: envVars, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, maxRunTime * 1000);
    child.on('error', err => { out.write(`[worker] spawn failed: ${err.message}\n`); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      out.end(`[worker] exit ${code}${signal ? ` (signal ${signal})` : ''}${timedOut ? ' (maxRunTime exceeded)' : ''}\n`, () =>
        resolve({ code: code ?? 128, signal, timedOut }));
    });
  });
}

function filesUnder(dir) {
  const out = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...filesUnder(p));
    else if (ent.isFile()) out.push(p);
  }
  return out.sort();
}

async function uploadFile(tq, taskId, runId, name, file, expires) {
  const contentType = CONTENT_TYPES[path.extname(file)] || 'application/octet-stream';
  const body = fs.readFileSync(file);
  if (opt.storage === 'object') {
    const r = await tq.createArtifact(taskId, runId, name, { storageType: 'object', expires, contentType });
    const object = new tc.Object({ rootUrl: ROOT, credentials: r.credentials });
    await tc.upload({ projectId: r.projectId, name: r.name, contentType, contentLength: body.length, expires: r.expires, object,
      uploadId: r.uploadId, streamFactory: async () => Readable.from([body]) });
    await tq.finishArtifact(taskId, runId, name, { uploadId: r.uploadId });
  } else {
    const r = await tq.createArtifact(taskId, runId, name, { storageType: 's3', expires, contentType });
    const put = await fetch(r.putUrl, { method: 'PUT', body, headers: { 'content-type': contentType, 'content-length': String(body.length) } });
    if (!put.ok) throw new Error(`PUT ${name}: ${put.status} ${await put.text()}`);
  }
  return { name, contentType, bytes: body.length };
}

// payload.artifacts as docker-worker reads it: {<name>: {type: file|directory, path, expires?}}
// (a directory's files become <name>/<relative path>); a missing path becomes an error artifact.
async function uploadArtifacts(tq, task, taskId, runId, home) {
  const uploaded = [];
  for (const [name, spec] of Object.entries(task.payload.artifacts || {})) {
    const expires = spec.expires || task.expires;
    const local = mapPath(spec.path, home);
    if (!fs.existsSync(local)) {
      await tq.createArtifact(taskId, runId, name, { storageType: 'error', expires, reason: 'file-missing-on-worker', message: `${spec.path} does not exist` });
      uploaded.push({ name, error: 'file-missing-on-worker' });
      continue;
    }
    if (spec.type === 'directory') {
      for (const f of filesUnder(local)) uploaded.push(await uploadFile(tq, taskId, runId, `${name}/${path.relative(local, f).split(path.sep).join('/')}`, f, expires));
    } else {
      uploaded.push(await uploadFile(tq, taskId, runId, name, local, expires));
    }
  }
  return uploaded;
}

async function handle(claim) {
  const { taskId } = claim.status;
  const { runId, task } = claim;
  const tq = new tc.Queue({ rootUrl: ROOT, credentials: claim.credentials });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `tc-ui-worker-${taskId}-`));
  fs.mkdirSync(path.join(home, 'artifacts'), { recursive: true });  // the image has /builds/worker/artifacts
  fs.mkdirSync(opt['log-dir'], { recursive: true });
  const logFile = path.join(opt['log-dir'], `${taskId}-${runId}.log`);
  // reclaim before takenUntil, as workers must for long tasks
  let takenUntil = new Date(claim.takenUntil);
  const reclaimer = setInterval(async () => {
    if (takenUntil - Date.now() > 5 * 60 * 1000) return;
    try { takenUntil = new Date((await tq.reclaimTask(taskId, runId)).takenUntil); } catch (err) { log(`reclaim ${taskId}: ${err.message}`); }
  }, 30000);
  const result = { taskId, runId, taskGroupId: task.taskGroupId, name: task.metadata.name };
  let proxy = null;
  try {
    let argv, envVars;
    try {
      argv = commandOf(task.payload, home);
      if (task.payload.features?.taskclusterProxy && !opt['no-proxy']) proxy = await startProxy(claim.credentials);
      envVars = taskEnv(task, claim, taskId, runId, proxy);
    } catch (err) {
      if (!(err instanceof MalformedPayload)) throw err;
      await tq.createArtifact(taskId, runId, 'public/logs/live_backing.log', { storageType: 'error', expires: task.expires, reason: 'invalid-resource-on-worker', message: err.message });
      await tq.reportException(taskId, runId, { reason: 'malformed-payload' });
      Object.assign(result, { state: 'exception', reason: 'malformed-payload', message: err.message });
      return result;
    }
    log(`${taskId}/${runId} "${task.metadata.name}": ${argv.slice(1).join(' ')}`);
    const t0 = Date.now();
    const { code, timedOut } = await run(argv, envVars, home, task.payload.maxRunTime || 3600, logFile);
    result.proxy = proxy ? { requests: proxy.stats.requests } : null;
    result.exitCode = code;
    result.seconds = (Date.now() - t0) / 1000;
    result.artifacts = await uploadArtifacts(tq, task, taskId, runId, home);
    result.artifacts.push(await uploadFile(tq, taskId, runId, 'public/logs/live_backing.log', logFile, task.expires));
    await tq.createArtifact(taskId, runId, 'public/logs/live.log', {
      storageType: 'reference', expires: task.expires, contentType: 'text/plain',
      url: tq.buildUrl(tq.getArtifact, taskId, runId, 'public/logs/live_backing.log'),
    });
    const { status } = code === 0 && !timedOut ? await tq.reportCompleted(taskId, runId) : await tq.reportFailed(taskId, runId);
    result.state = status.runs[runId].state;
    return result;
  } finally {
    proxy?.close();
    clearInterval(reclaimer);
    if (!opt['keep-dirs']) fs.rmSync(home, { recursive: true, force: true });
    result.log = logFile;
  }
}

const maxTasks = Number(opt['max-tasks']);
let done = 0;
log(`claiming from ${queueId} as ${opt['worker-group']}/${opt['worker-id']}; tc-action: ${TC_ACTION}`);
while (!stopping && (maxTasks === 0 || done < maxTasks)) {
  let claims;
  try {
    ({ tasks: claims } = await queue.claimWork(queueId, { workerGroup: opt['worker-group'], workerId: opt['worker-id'], tasks: 1 }));
  } catch (err) {
    log(`claimWork: ${err.message}`);
    await new Promise(r => setTimeout(r, 2000));
    continue;
  }
  for (const claim of claims) {
    busy = true;
    let result;
    try {
      result = await handle(claim);
    } catch (err) {
      result = { taskId: claim.status.taskId, runId: claim.runId, state: 'worker-error', message: err.stack || err.message };
      try {
        await new tc.Queue({ rootUrl: ROOT, credentials: claim.credentials }).reportException(claim.status.taskId, claim.runId, { reason: 'internal-error' });
        result.state = 'exception';
      } catch (e2) { log(`reportException: ${e2.message}`); }
    }
    busy = false;
    done++;
    const line = JSON.stringify(result);
    process.stdout.write(line + '\n');
    if (opt.results) fs.appendFileSync(opt.results, line + '\n');
    log(`${result.taskId}/${result.runId} -> ${result.state}${result.exitCode !== undefined ? ` (exit ${result.exitCode})` : ''}`);
    if (stopping) break;
  }
}
process.exit(0);
