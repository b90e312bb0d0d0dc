'use strict';
// Live interop: socket.io-client 1.7.3 against a server implementing
// /work/shared/contract.md (fastsio's testapp). Driven by
// tools/interop/sio_test.go.
// Env: SIO_URL (http://127.0.0.1:port), SIO_TRANSPORTS (polling|websocket|upgrade).
// Prints "ok <step>" per passed step; exits 1 on the first failure.
const assert = require('assert');
const io = require('socket.io-client');

const url = process.env.SIO_URL;
const mode = process.env.SIO_TRANSPORTS || 'upgrade';
const transports = { polling: ['polling'], websocket: ['websocket'], upgrade: ['polling', 'websocket'] }[mode];
if (!url || !transports) {
  console.error('SIO_URL and SIO_TRANSPORTS=polling|websocket|upgrade are required');
  process.exit(2);
}
const STEP_TIMEOUT = 10000;

function conn(nsp, extra) {
  return io(url + nsp, Object.assign({ forceNew: true, transports, reconnection: false }, extra));
}

function once(emitter, ev) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for '${ev}'`)), STEP_TIMEOUT);
    emitter.once(ev, (...args) => { clearTimeout(t); resolve(args); });
  });
}

function ask(sock, ...args) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ack of '${args[0]}'`)), STEP_TIMEOUT);
    sock.emit(...args, (...res) => { clearTimeout(t); resolve(res); });
  });
}

// collect records every event of the given names on a socket.
function collect(sock, names) {
  const got = [];
  for (const n of names) sock.on(n, (...a) => got.push([n, ...a]));
  return got;
}

// settle does a full round trip so that packets sent before it have arrived.
async function settle(...socks) {
  for (const s of socks) await ask(s, 'echo', 'settle');
}

const sid = (s) => s.io.engine.id;
const steps = [];
function step(name, fn) { steps.push([name, fn]); }
const open = [];
async function connected(s) {
  open.push(s);
  if (!s.connected) await once(s, 'connect');
  return s;
}

// covers: SIO-SK-03, SIO-SK-22, SIO-SK-25, SIO-SK-08 (unicode)
step('echo with ack, unicode', async () => {
  const s = await connected(conn('/'));
  const args = [1, 'two', { b: 1, a: [3, null], '2': true }, 'héllo😀 ☃ \u2028', [], {}];
  const res = await ask(s, 'echo', ...args);
  assert.deepStrictEqual(res, args);
});

step('echo without ack (event back)', async () => {
  const s = await connected(conn('/chat'));
  const p = once(s, 'echo');
  s.emit('echo', 'x', 42.5, false);
  assert.deepStrictEqual(await p, ['x', 42.5, false]);
});

// covers: SIO-SK-09, SIO-SK-10, SIO-SK-11, SIO-SK-12, SIO-SK-27, SIO-SK-30, SUP-49
step('binary both ways', async () => {
  const s = await connected(conn('/chat'));
  const buf = Buffer.from([0, 1, 2, 255]);
  const nested = ['a', { data: buf, list: [Buffer.from('xyz'), 5] }, buf];
  const res = await ask(s, 'echo', ...nested);
  assert.deepStrictEqual(res, nested);
  const p = once(s, 'echo');
  s.emit('echo', Buffer.alloc(100000, 7));
  const [big] = await p;
  assert.ok(Buffer.isBuffer(big) && big.length === 100000 && big[99999] === 7);
});

// covers: SIO-SK-24, SIO-SK-26, SIO-SK-28, SIO-SK-29, SUP-35
step('server ack (ask) with binary answer', async () => {
  const s = await connected(conn('/chat'));
  s.once('question', (n, b, cb) => {
    assert.strictEqual(n, 5);
    assert.ok(Buffer.isBuffer(b));
    cb('answer', Buffer.from([9, 9]));
  });
  const res = await ask(s, 'ask', 'question', 5, Buffer.from([1]));
  assert.deepStrictEqual(res, ['answer', Buffer.from([9, 9])]);
});

// covers: SIO-MM-08, SUP-48
step('join, rooms, leave', async () => {
  const s = await connected(conn('/chat'));
  assert.deepStrictEqual(await ask(s, 'join', 'r1'), [true]);
  assert.deepStrictEqual(await ask(s, 'join', 'a0'), [true]);
  assert.deepStrictEqual(await ask(s, 'rooms'), [['/chat#' + sid(s), 'a0', 'r1'].sort()]);
  assert.deepStrictEqual(await ask(s, 'leave', 'r1'), [true]);
  assert.deepStrictEqual(await ask(s, 'rooms'), [['/chat#' + sid(s), 'a0'].sort()]);
  const root = await connected(conn('/'));
  assert.deepStrictEqual(await ask(root, 'rooms'), [[sid(root)]]);
});

// covers: SIO-MM-03..06, SIO-NS-17, SIO-NS-18, SUP-48 — two clients, room and namespace isolation
step('rooms and broadcasts with two clients', async () => {
  const a = await connected(conn('/chat'));
  const b = await connected(conn('/chat'));
  const r = await connected(conn('/')); // another namespace: must see nothing
  const names = ['ev', 'all', 'bc', 'in'];
  const ga = collect(a, names), gb = collect(b, names), gr = collect(r, names);
  await ask(a, 'join', 'room');
  await ask(b, 'join', 'room');
  const ids = ['/chat#' + sid(a), '/chat#' + sid(b)].sort();
  assert.deepStrictEqual(await ask(a, 'clients', 'room'), [ids]);
  const all = (await ask(a, 'clients', null))[0];
  for (const id of ids) assert.ok(all.includes(id), `clients(null) lacks ${id}`);
  assert.ok(!all.includes(sid(r)) && !all.includes('/chat#' + sid(r)), 'other namespace listed');

  a.emit('to', 'room', 'ev', 1, Buffer.from([1]));
  a.emit('broadcast', 'bc', 2);
  a.emit('in-all', 'room', 'in', 3);
  a.emit('all', 'all', 4);
  await settle(a, b, r);
  await new Promise((res) => setTimeout(res, 50));
  await settle(a, b, r);
  assert.deepStrictEqual(gb, [['ev', 1, Buffer.from([1])], ['bc', 2], ['in', 3], ['all', 4]]);
  assert.deepStrictEqual(ga, [['in', 3], ['all', 4]]);
  assert.deepStrictEqual(gr, []);
});

// covers: SIO-SK-35, SUP-47, SIO-SET-09
step('handshake', async () => {
  const s = await connected(conn('/chat', { query: 'key1=aa&key2=' + encodeURIComponent('&=bb') }));
  const [h] = await ask(s, 'handshake');
  assert.strictEqual(h.id, '/chat#' + sid(s));
  assert.strictEqual(h.query.key1, 'aa');
  assert.strictEqual(h.query.key2, '&=bb');
  assert.strictEqual(h.query.EIO, '3');
  assert.ok(h.url.startsWith('/socket.io/?'), h.url);
  assert.strictEqual(h.xdomain, false);
  assert.strictEqual(h.secure, false);
});

// covers: SIO-MW-02, SUP-34
step('auth namespace', async () => {
  const bad = conn('/auth');
  open.push(bad);
  const [err] = await once(bad, 'error');
  assert.strictEqual(err, 'not authorized');
  const good = await connected(conn('/auth', { query: 'token=secret&user=bob' }));
  assert.deepStrictEqual(await ask(good, 'whoami'), ['bob']);
  const anon = await connected(conn('/auth', { query: 'token=secret' }));
  assert.deepStrictEqual(await ask(anon, 'whoami'), [null]);
});

// covers: SIO-NS-15, SUP-33
step('invalid namespace', async () => {
  const s = conn('/nope');
  open.push(s);
  const [err] = await once(s, 'error');
  assert.strictEqual(err, 'Invalid namespace');
});

// covers: SIO-SMW-02, SUP-34
step('packet middleware and error-me', async () => {
  const s = await connected(conn('/chat'));
  let p = once(s, 'error');
  s.emit('forbidden', 1);
  assert.deepStrictEqual(await p, ['forbidden event']);
  p = once(s, 'error');
  s.emit('error-me', 'boom');
  assert.deepStrictEqual(await p, ['boom']);
  assert.deepStrictEqual(await ask(s, 'echo', 'still'), ['still']);
});

step('fanout and stats', async () => {
  const s = await connected(conn('/'));
  const got = collect(s, ['f']);
  s.emit('fanout', 3, 'f', { x: 1 });
  await settle(s);
  while (got.length < 3) await once(s, 'f');
  assert.deepStrictEqual(got, [['f', { x: 1 }], ['f', { x: 1 }], ['f', { x: 1 }]]);
  const [st] = await ask(s, 'stats');
  assert.ok(st.sockets >= 1 && st.rss > 0, JSON.stringify(st));
});

step('volatile', async () => {
  const s = await connected(conn('/'));
  const got = collect(s, ['v']);
  s.emit('volatile', 'v', 1);
  await settle(s);
  assert.ok(got.length <= 1);
});

// covers: SIO-NS-11, SUP-41
step('disconnect-me', async () => {
  const m = io.Manager(url, { transports, reconnection: false, forceNew: true });
  const root = m.socket('/');
  const chat = m.socket('/chat');
  open.push(root, chat);
  await Promise.all([once(root, 'connect'), once(chat, 'connect')]);
  let p = once(chat, 'disconnect');
  chat.emit('disconnect-me', false);
  assert.deepStrictEqual(await p, ['io server disconnect']);
  assert.deepStrictEqual(await ask(root, 'echo', 'root alive'), ['root alive']);
  p = once(root, 'disconnect');
  root.emit('disconnect-me', true);
  assert.deepStrictEqual(await p, ['io server disconnect']);
});

// covers: SIO-SK-01, SIO-SK-38 (client reconnects after the transport closed)
step('reconnection', async () => {
  const s = await connected(conn('/chat', { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100 }));
  const before = sid(s);
  const p = once(s, 'reconnect');
  s.io.engine.close();
  await p;
  assert.notStrictEqual(sid(s), before);
  assert.deepStrictEqual(await ask(s, 'echo', 'again'), ['again']);
});

// covers: SIO-SK-23 (emits before the namespace CONNECT reply are buffered by the client)
step('emit before connect', async () => {
  const s = conn('/chat');
  open.push(s);
  const got = collect(s, ['echo']);
  s.emit('echo', 'a');
  await new Promise((res) => setTimeout(res, 50));
  s.emit('echo', 'b');
  while (got.length < 2) await once(s, 'echo');
  assert.deepStrictEqual(got, [['echo', 'a'], ['echo', 'b']]);
});

// covers: SIO-SK-36, SIO-SK-37
step('large JSON and binary echoed three times', async () => {
  const s = await connected(conn('/', { perMessageDeflate: false }));
  const obj = {};
  for (let i = 0; i < 2000; i++) obj['k' + i] = { n: i, s: 'x'.repeat(50), l: [i, i / 3, null, true] };
  const bin = Buffer.alloc(500000);
  for (let i = 0; i < bin.length; i++) bin[i] = i & 255;
  for (let i = 0; i < 3; i++) {
    const [o, b] = await ask(s, 'echo', obj, { img: bin });
    assert.deepStrictEqual(o, obj);
    assert.ok(Buffer.isBuffer(b.img) && b.img.equals(bin));
  }
});

// covers: SIO-NS-08 (empty namespace in the URL is "/")
step('empty namespace', async () => {
  const s = await connected(io(url, { forceNew: true, transports, reconnection: false }));
  assert.strictEqual(s.nsp, '/');
  assert.deepStrictEqual(await ask(s, 'rooms'), [[sid(s)]]);
});

step('transport', async () => {
  const s = await connected(conn('/'));
  if (mode === 'upgrade') {
    if (s.io.engine.transport.name !== 'websocket') await once(s.io.engine, 'upgrade');
  }
  const want = mode === 'polling' ? 'polling' : 'websocket';
  assert.strictEqual(s.io.engine.transport.name, want);
  assert.deepStrictEqual(await ask(s, 'echo', 'on ' + want), ['on ' + want]);
});

(async () => {
  for (const [name, fn] of steps) {
    try {
      await fn();
      console.log('ok ' + name);
    } catch (e) {
      console.log('FAIL ' + name + ': ' + (e && e.stack || e));
      for (const s of open) s.close();
      process.exit(1);
    }
  }
  for (const s of open) s.close();
  process.exit(0);
})();
