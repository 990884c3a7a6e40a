// Shared helpers of the UI tier: the Taskcluster client the services' setup.sh installs
// ($TC_SERVICES_DIR/client), playwright-core from $TC_UI_DIR/npm (stack.sh installs it from
// tests/ui/package-lock.json), the root URL and credentials from the environment (`. $(stack.sh env)`).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

export const SERVICES_DIR = process.env.TC_SERVICES_DIR || '/tmp/taskcluster-services';
export const UI_DIR = process.env.TC_UI_DIR || '/tmp/tc-ui';
export const tc = (await import(`${SERVICES_DIR}/client/node_modules/taskcluster-client/src/index.js`)).default;
// the Hawk implementation taskcluster-client signs with (for worker.mjs's taskcluster-proxy)
export const hawk = createRequire(`${SERVICES_DIR}/client/node_modules/taskcluster-client/package.json`)('hawk');

export function env(name, fallback) {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') throw new Error(`${name} is not set (source the file \`tests/ui/stack.sh env\` prints)`);
  return v;
}

export const rootUrl = () => env('TASKCLUSTER_ROOT_URL');
export const rootCredentials = () => ({ clientId: env('TASKCLUSTER_CLIENT_ID'), accessToken: env('TASKCLUSTER_ACCESS_TOKEN') });

export function playwright() {
  const require = createRequire(path.join(process.env.TC_UI_NPM || `${UI_DIR}/npm`, 'package.json'));
  return require('playwright-core');
}

export const sleep = ms => new Promise(r => setTimeout(r, ms));

// poll fn() until it returns a truthy value; throws with `what` and the last value on timeout
export async function until(what, fn, { timeoutMs = 60000, intervalMs = 500 } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail?.slice(0, 500)})`);
    }
    await sleep(intervalMs);
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

export function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

export function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// GET a public artifact's content through the root URL (anonymous; the queue redirects to s3rver)
export async function publicArtifact(taskId, name, runId) {
  const base = `${rootUrl()}/api/queue/v1/task/${taskId}`;
  const url = runId === undefined ? `${base}/artifacts/${name}` : `${base}/runs/${runId}/artifacts/${name}`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res;
}
