'use strict';
// Plumbing for the recording drivers: start a reference server and the Go
// recording proxy in front of it, run a scenario against the proxy, stop
// everything. See ../README.md.
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');

const NODE_DIR = path.resolve(__dirname, '..');
const REPO = path.resolve(NODE_DIR, '..', '..');
const TESTDATA = path.join(REPO, 'conformance', 'testdata');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Children are ended when the driver exits for any reason (even a crash),
// so no reference server or recorder is left behind.
const exitHooks = [];
function onExit(fn) { exitHooks.push(fn); }
process.on('exit', () => { for (const fn of exitHooks) { try { fn(); } catch (e) { /* best effort */ } } });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

// withTimeout rejects if p does not settle within ms.
function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms); }),
  ]);
}

// startProc runs cmd and resolves with {proc, port} once it prints
// `listening <port>`.
function startProc(cmd, args, env, label) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    onExit(() => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); });
    let buf = '';
    let done = false;
    const timer = setTimeout(() => {
      if (!done) { done = true; proc.kill('SIGKILL'); reject(new Error(`${label}: no "listening" line within 60 s`)); }
    }, 60000); // generous: the machine may be busy compiling
    proc.stdout.on('data', (d) => {
      buf += d.toString();
      const m = /^listening (\d+)$/m.exec(buf);
      if (m && !done) { done = true; clearTimeout(timer); resolve({ proc, port: Number(m[1]) }); }
    });
    proc.stderr.on('data', (d) => {
      const text = d.toString();
      if (process.env.RECORD_VERBOSE || !/^$/.test(text)) process.stderr.write(`[${label}] ${text}`);
    });
    proc.on('exit', (code, sig) => {
      if (!done) { done = true; clearTimeout(timer); reject(new Error(`${label} exited early (${code}, ${sig})`)); }
    });
  });
}

function stopProc(proc, ms = 3000) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const t = setTimeout(() => proc.kill('SIGKILL'), ms);
    proc.on('exit', () => { clearTimeout(t); resolve(); });
    proc.kill('SIGTERM');
  });
}

const SERVERS = {
  'eio-echo': { script: path.join(NODE_DIR, 'ref', 'eio-echo.js'), desc: 'engine.io@1.8.3', path: '/engine.io' },
  testapp: { script: path.join(NODE_DIR, 'ref', 'testapp.js'), desc: 'socket.io@1.7.3', path: '/socket.io' },
};

// record runs one case: c = {layer, name, server, env, client, transports,
// description, run: async (ctx) => {}, strip}.
async function record(c) {
  const recorderBin = process.env.RECORDER_BIN;
  if (!recorderBin) throw new Error('RECORDER_BIN is not set (run scripts/record.sh)');
  const srvDef = SERVERS[c.server];
  const outDir = path.join(process.env.RECORD_OUT || TESTDATA, c.layer);
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `${c.name}.jsonl`);
  const tmp = `${out}.tmp`;

  const env = { PORT: '0', ...(c.env || {}) };
  const srv = await startProc('node', [srvDef.script], env, `${c.server}`);
  let rec;
  try {
    const envDesc = Object.entries(c.env || {}).map(([k, v]) => `${k}=${v}`).join(' ');
    const args = ['-listen', '127.0.0.1:0', '-target', `127.0.0.1:${srv.port}`, '-out', tmp, '-name', c.name,
      '-meta', `layer=${c.layer}`, '-meta', `client=${c.client}`, '-meta', `server=${srvDef.desc}`,
      '-meta', `transports=${c.transports}`, '-meta', `description=${c.description}`,
      '-meta', `server_app=tools/node/ref/${c.server}.js`, '-meta', `server_env=${envDesc}`,
      '-meta', `node=${process.version}`];
    for (const [k, v] of Object.entries(c.meta || {})) args.push('-meta', `${k}=${v}`);
    if (c.covers) args.push('-meta', `covers=${c.covers}`);
    if (c.strip) args.push('-strip-ws-extensions');
    rec = await startProc(recorderBin, args, {}, 'recorder');
    const ctx = {
      port: rec.port,
      url: `http://127.0.0.1:${rec.port}`,
      path: srvDef.path,
      serverPort: srv.port,
    };
    await withTimeout(Promise.resolve().then(() => c.run(ctx)), c.timeout || 30000, `${c.layer}/${c.name}`);
    // Let trailing closes and answers reach the proxy before it stops.
    await sleep(c.settle === undefined ? 300 : c.settle);
  } catch (e) {
    // keep the previous recording; drop the partial one
    if (rec) await stopProc(rec.proc);
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    if (rec) await stopProc(rec.proc);
    await stopProc(srv.proc);
  }
  fs.renameSync(tmp, out);
  return out;
}

// ---- raw HTTP helpers (plain Node http / net through the proxy) ----

// req sends one HTTP request on a fresh connection and resolves with
// {status, headers, body(Buffer)}.
function req(ctx, method, urlPath, opts = {}) {
  return new Promise((resolve, reject) => {
    const r = http.request({
      host: '127.0.0.1', port: ctx.port, method, path: urlPath, agent: false,
      headers: { ...(opts.headers || {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.on('error', (err) => (opts.allowError ? resolve({ error: err }) : reject(err)));
    if (opts.body !== undefined) r.end(opts.body); else r.end();
  });
}

// rawExchange writes bytes on a fresh TCP connection and resolves with all
// bytes the server sent until it closed (or until ms passed).
function rawExchange(ctx, bytes, ms = 2000) {
  return new Promise((resolve, reject) => {
    const s = net.connect(ctx.port, '127.0.0.1');
    const chunks = [];
    const t = setTimeout(() => { s.destroy(); resolve(Buffer.concat(chunks)); }, ms);
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => chunks.push(d));
    s.on('close', () => { clearTimeout(t); resolve(Buffer.concat(chunks)); });
    s.on('error', (e) => { clearTimeout(t); reject(e); });
  });
}

// decodeStringPayload parses an engine.io string payload body (double UTF-8)
// into packet strings.
function decodeStringPayload(buf) {
  const s = buf.toString('utf8'); // one char per original UTF-8 byte
  const out = [];
  let i = 0;
  while (i < s.length) {
    const c = s.indexOf(':', i);
    if (c < 0) throw new Error(`bad payload ${JSON.stringify(s)}`);
    const n = Number(s.slice(i, c));
    const bytes = Buffer.from(s.slice(c + 1, c + 1 + n), 'latin1');
    out.push(bytes.toString('utf8'));
    i = c + 1 + n;
  }
  return out;
}

// encodeStringPayload builds a string payload body (double UTF-8) from packets.
function encodeStringPayload(packets) {
  let s = '';
  for (const p of packets) {
    const b = Buffer.from(p, 'utf8');
    s += `${b.length}:${b.toString('latin1')}`;
  }
  return Buffer.from(s, 'utf8');
}

function assert(cond, msg) {
  if (!cond) throw new Error(`scenario check failed: ${msg}`);
}

module.exports = {
  onExit, NODE_DIR, TESTDATA, sleep, withTimeout, record, req, rawExchange,
  decodeStringPayload, encodeStringPayload, assert,
};
