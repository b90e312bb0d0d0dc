'use strict';
// Browser recording cases: what only browsers do. Headless Debian chromium
// loads a tiny page (served by a throwaway static server, not through the
// proxy) that loads the socket.io-client 1.7.3 browser bundle from
// node_modules (served at runtime, never committed) and talks to the
// contract app through the recording proxy, cross-origin:
//   browser-xhr2:  default transports: XHR2 polling with binary payloads
//                  (no b64, application/octet-stream), then the websocket upgrade
//   browser-xhr2-polling: XHR2 polling only, binary payloads both ways
//   browser-jsonp: {forceJSONP: true, transports: ['polling']}: JSONP GETs
//                  (___eio[n]("...")) and form POSTs (d=...)
// The page reports its result with a request to /done on the static server.
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const lib = require('./lib');
const { withTimeout, assert } = lib;

const BUNDLE = path.join(lib.NODE_DIR, 'node_modules', 'socket.io-client', 'dist', 'socket.io.js');

// The scenario, run in the page. Every step awaits its reply.
const PAGE_SCRIPT = `
(async function () {
  var params = new URLSearchParams(location.search);
  var mode = params.get('mode');
  var log = [];
  function done(status, detail) {
    var x = new XMLHttpRequest();
    x.open('POST', '/done?status=' + status);
    x.send(JSON.stringify({ detail: String(detail), log: log }));
  }
  function withTimeout(p, ms, what) {
    return Promise.race([p, new Promise(function (_, rej) { setTimeout(function () { rej(new Error('timeout: ' + what)); }, ms); })]);
  }
  function once(s, ev) { return withTimeout(new Promise(function (r) { s.once(ev, function () { r([].slice.call(arguments)); }); }), 10000, ev); }
  function ack(s) {
    var args = [].slice.call(arguments, 1);
    return withTimeout(new Promise(function (r) { s.emit.apply(s, args.concat([function () { r([].slice.call(arguments)); }])); }), 10000, 'ack ' + args[0]);
  }
  function bytes(ab) { return Array.prototype.join.call(new Uint8Array(ab), ','); }
  function check(c, what) { if (!c) throw new Error('check failed: ' + what); log.push('ok ' + what); }
  try {
    var opts = { reconnection: false, forceNew: true };
    if (mode === 'jsonp') { opts.forceJSONP = true; opts.transports = ['polling']; }
    if (mode === 'polling') { opts.transports = ['polling']; }
    var socket = io('http://127.0.0.1:' + params.get('proxy'), opts);
    var upgraded = mode === 'xhr2' ? new Promise(function (r) { socket.io.engine.once('upgrade', r); }) : null;
    await once(socket, 'connect');
    socket.emit('echo', 'hello');
    check((await once(socket, 'echo'))[0] === 'hello', 'echo');
    var uni = 'héllo😀中€';
    check((await ack(socket, 'echo', uni, { k: '😀' }))[0] === uni, 'unicode ack');
    var r = await ack(socket, 'echo', new Uint8Array([1, 2, 3]).buffer, { nested: new Uint8Array([0, 255]).buffer });
    check(r[0] instanceof ArrayBuffer && bytes(r[0]) === '1,2,3', 'binary ack');
    check(bytes(r[1].nested) === '0,255', 'nested binary ack');
    socket.emit('echo', new Uint8Array([9, 8, 7]).buffer);
    check(bytes((await once(socket, 'echo'))[0]) === '9,8,7', 'binary echo');
    socket.once('question', function (q, cb) { cb('answer', new Uint8Array([5]).buffer); });
    r = await ack(socket, 'ask', 'question', 'what?');
    check(r[0] === 'answer' && bytes(r[1]) === '5', 'ask');
    if (upgraded) {
      await withTimeout(upgraded, 10000, 'upgrade');
      check(socket.io.engine.transport.name === 'websocket', 'upgraded');
      check((await ack(socket, 'echo', 'on websocket', new Uint8Array([4]).buffer))[0] === 'on websocket', 'echo after upgrade');
    }
    var gone = once(socket, 'disconnect');
    socket.close();
    await gone;
    setTimeout(function () { done('ok', 'done'); }, 200);
  } catch (e) {
    done('fail', e && e.stack || e);
  }
})();
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>fastsio recorder</title>
<script src="/socket.io.js"></script><script src="/scenario.js"></script>`;

// staticServer serves the page, the scenario, the bundle and /done.
function staticServer(onDone) {
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(PAGE);
      } else if (u.pathname === '/scenario.js') {
        res.writeHead(200, { 'Content-Type': 'application/javascript; charset=utf-8' });
        res.end(PAGE_SCRIPT);
      } else if (u.pathname === '/socket.io.js') {
        res.writeHead(200, { 'Content-Type': 'application/javascript' });
        fs.createReadStream(BUNDLE).pipe(res);
      } else if (u.pathname === '/done') {
        let body = '';
        req.on('data', (d) => { body += d; });
        req.on('end', () => {
          res.writeHead(204);
          res.end();
          onDone(u.searchParams.get('status'), body);
        });
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

// chromium starts helper processes (zygote, renderer, crashpad); it runs in
// its own process group so stop() can end exactly that group.
function chromium(url) {
  const bin = process.env.CHROMIUM_BIN || 'chromium';
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fastsio-chromium-'));
  const proc = spawn(bin, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-default-apps', '--disable-extensions', '--mute-audio',
    `--user-data-dir=${profile}`, url], { detached: true, stdio: ['ignore', 'ignore', process.env.RECORD_VERBOSE ? 'inherit' : 'ignore'] });
  const group = proc.pid;
  lib.onExit(() => { try { process.kill(-group, 'SIGKILL'); } catch (e) { /* already gone */ } });
  const killGroup = (sig) => { try { process.kill(-group, sig); } catch (e) { /* already gone */ } };
  return {
    proc,
    stop: () => new Promise((resolve) => {
      const finish = async () => {
        killGroup('SIGKILL'); // stragglers of the group
        for (let i = 0; i < 20; i++) {
          try { fs.rmSync(profile, { recursive: true, force: true }); break; } catch (e) { await lib.sleep(100); }
        }
        resolve();
      };
      if (proc.exitCode !== null || proc.signalCode !== null) { finish(); return; }
      const t = setTimeout(() => killGroup('SIGKILL'), 3000);
      proc.on('exit', () => { clearTimeout(t); finish(); });
      killGroup('SIGTERM');
    }),
  };
}

async function runBrowser(ctx, mode) {
  let resolveDone;
  const done = new Promise((r) => { resolveDone = r; });
  const srv = await staticServer((status, body) => resolveDone({ status, body }));
  const url = `http://127.0.0.1:${srv.address().port}/?mode=${mode}&proxy=${ctx.port}`;
  const browser = chromium(url);
  try {
    const res = await withTimeout(done, 30000, `browser ${mode} scenario`);
    if (process.env.RECORD_VERBOSE) console.log(res.body);
    assert(res.status === 'ok', `browser scenario failed: ${res.body}`);
  } finally {
    await browser.stop();
    srv.close();
  }
}

const base = { layer: 'socketio', server: 'testapp', timeout: 60000, needs: 'chromium' };

module.exports = [
  {
    ...base,
    name: 'browser-xhr2',
    transports: 'upgrade',
    client: 'socket.io-client@1.7.3 browser bundle in headless chromium',
    description: 'browser, default transports, cross-origin (Origin echoed, credentials): XHR2 polling without b64 (application/octet-stream binary payloads both ways), echo, unicode ack, ArrayBuffer binary in acks and events, ask, then the websocket upgrade and one more echo, client close',
    covers: 'SUP-03',
    run: (ctx) => runBrowser(ctx, 'xhr2'),
  },
  {
    ...base,
    name: 'browser-xhr2-polling',
    transports: 'polling',
    client: 'socket.io-client@1.7.3 browser bundle in headless chromium',
    description: "browser, transports:['polling'], cross-origin: XHR2 polling only (no b64), so binary goes both ways as binary payloads (POST Content-Type application/octet-stream with 0x01 entries; GET application/octet-stream), echo, unicode ack, ArrayBuffer binary, ask, client close",
    covers: 'SUP-03',
    run: (ctx) => runBrowser(ctx, 'polling'),
  },
  {
    ...base,
    name: 'browser-jsonp',
    transports: 'jsonp',
    client: 'socket.io-client@1.7.3 browser bundle in headless chromium (forceJSONP)',
    description: 'browser, {forceJSONP:true, transports:[polling]}: JSONP script GETs (j=<n>, b64=1, ___eio[n]("...")) and form POSTs (d=...), echo, unicode ack, binary as base64, ask, client close',
    covers: 'SUP-24 SUP-26',
    run: (ctx) => runBrowser(ctx, 'jsonp'),
  },
];
