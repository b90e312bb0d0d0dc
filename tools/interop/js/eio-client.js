// Live interop driver: engine.io-client 1.8.3 against a fastsio engine.io
// server. Usage: node eio-client.js '<json config>'
//   {"url": "http://127.0.0.1:PORT", "transports": [...], "upgrade": bool,
//    "scenario": "echo" | "server-close" | "no-ping"}
// Prints one JSON line: {"ok":bool, "errors":[...], "reason":..., ...}.
'use strict';
const eio = require('engine.io-client');

const cfg = JSON.parse(process.argv[2]);
const errors = [];
const result = { errors, transport: null, upgraded: false, reason: null, received: 0 };
let finished = false;

function finish() {
  if (finished) return;
  finished = true;
  result.ok = errors.length === 0;
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}
setTimeout(() => { errors.push('scenario timed out'); finish(); }, cfg.timeoutMs || 30000);

const socket = eio(cfg.url, {
  transports: cfg.transports,
  upgrade: cfg.upgrade !== false,
  forceJSONP: !!cfg.jsonp,
});
socket.on('error', (e) => errors.push('socket error: ' + (e && e.message || e)));
socket.on('upgrade', (t) => { result.upgraded = true; result.transport = t.name; });
socket.on('close', (reason) => {
  result.reason = reason;
  result.transport = result.transport || (socket.transport && socket.transport.name);
  if (cfg.scenario !== 'echo') finish();
  else setTimeout(finish, 50);
});

// expect resolves with the next message.
const waiters = [];
socket.on('message', (m) => {
  result.received++;
  const w = waiters.shift();
  if (w) w(m);
  else errors.push('unexpected message ' + String(m).slice(0, 40));
});
function next() { return new Promise((res) => waiters.push(res)); }

function same(a, b) {
  if (Buffer.isBuffer(b) || b instanceof ArrayBuffer) {
    const x = Buffer.from(a instanceof ArrayBuffer ? new Uint8Array(a) : a);
    return Buffer.isBuffer(x) && x.equals(Buffer.from(b));
  }
  return a === b;
}

async function roundTrip(name, data) {
  const p = next();
  socket.send(data);
  const got = await p;
  if (typeof data === 'string' ? got !== data : !same(got, data)) {
    errors.push(name + ': echo differs (' + typeof got + ', length ' + (got.length || got.byteLength) + ')');
  }
}

async function echo() {
  await roundTrip('text', 'hello');
  await roundTrip('astral', 'héllo😀中€');
  const bin = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) bin[i] = i;
  await roundTrip('binary', bin);
  await roundTrip('large text', 'x'.repeat(1 << 20));
  const big = Buffer.alloc(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = i * 7;
  await roundTrip('large binary', big);
  // 500 rapid messages, in order.
  const ps = [];
  for (let i = 0; i < 500; i++) ps.push(next());
  for (let i = 0; i < 500; i++) socket.send('m' + i);
  const got = await Promise.all(ps);
  for (let i = 0; i < 500; i++) {
    if (got[i] !== 'm' + i) { errors.push('rapid: message ' + i + ' is ' + got[i]); break; }
  }
  if (cfg.waitUpgrade && !result.upgraded) {
    await new Promise((res) => socket.once('upgrade', res));
    await roundTrip('after upgrade', 'after');
  }
  result.transport = socket.transport.name;
  const ws = socket.transport.ws;
  result.deflate = !!(ws && ws.extensions && ws.extensions['permessage-deflate']);
  socket.close(); // client-initiated: reason "forced close" here, "transport close" on the server
}

socket.on('open', () => {
  result.transport = socket.transport.name;
  switch (cfg.scenario) {
    case 'echo':
      echo().catch((e) => { errors.push(String(e)); finish(); });
      break;
    case 'server-close':
      socket.send('close-me'); // the test server closes the socket on this
      break;
    case 'no-ping':
      // Never ping, and do not time the server out ourselves first.
      socket.ping = function () {};
      socket.pingTimeout = 600000;
      socket.onHeartbeat();
      break;
    default:
      errors.push('unknown scenario ' + cfg.scenario);
      finish();
  }
});
