'use strict';
// Recording cases for the socket.io layer: socket.io-client 1.7.3 against
// the contract app tools/node/ref/testapp.js (socket.io 1.7.3).
const path = require('path');
const lib = require('./lib');
const { sleep, assert, withTimeout } = lib;

const ioc = require(path.join(lib.NODE_DIR, 'node_modules', 'socket.io-client'));

const CLIENT = 'socket.io-client@1.7.3';
const UNICODE = 'héllo😀中€';

// manager creates a dedicated Manager (one engine.io session) for the case.
function manager(ctx, opts = {}) {
  return new ioc.Manager(ctx.url, { reconnection: false, autoConnect: true, timeout: 10000, ...opts });
}

// open resolves when the namespace socket is connected; rejects on its error.
function open(m, nsp = '/', opts) {
  return new Promise((resolve, reject) => {
    const s = m.socket(nsp, opts);
    s.once('connect', () => resolve(s));
    s.once('error', (e) => reject(new Error(`connect ${nsp}: ${JSON.stringify(e)}`)));
    s.once('connect_error', (e) => reject(e));
    // no s.open(): the Manager's autoConnect already opened it (a second
    // open() would send a second CONNECT packet)
  });
}

// expectError resolves with the first `error` event of a namespace socket
// that must not connect.
function expectError(m, nsp, opts) {
  return new Promise((resolve, reject) => {
    const s = m.socket(nsp, opts);
    s.once('connect', () => reject(new Error(`${nsp} connected unexpectedly`)));
    s.once('error', (e) => resolve(e));
  });
}

function once(s, event, ms = 10000) {
  return withTimeout(new Promise((r) => s.once(event, (...args) => r(args))), ms, `event ${event}`);
}

function ack(s, event, ...args) {
  return withTimeout(new Promise((r) => s.emit(event, ...args, (...res) => r(res))), 10000, `ack of ${event}`);
}

function eq(a, b) {
  const norm = (v) => JSON.stringify(v, (k, x) => (x && x.type === 'Buffer' && Array.isArray(x.data) ? `buf:${x.data.join(',')}` : x));
  return norm(a) === norm(b);
}

async function close(m, sockets) {
  const done = sockets.map((s) => (s.connected ? once(s, 'disconnect') : Promise.resolve()));
  for (const s of sockets) s.close();
  m.close();
  await Promise.all(done);
}

// coreScenario: the standard event/ack/binary set on one root socket.
async function coreScenario(s) {
  s.emit('echo', 'hello');
  assert(eq(await once(s, 'echo'), ['hello']), 'echo without ack');
  assert(eq(await ack(s, 'echo', 'hello', 1, { a: [true, null] }), ['hello', 1, { a: [true, null] }]), 'echo with ack');
  s.emit('echo', UNICODE);
  assert(eq(await once(s, 'echo'), [UNICODE]), 'unicode echo');
  assert(eq(await ack(s, 'echo', UNICODE, { k: '😀' }), [UNICODE, { k: '😀' }]), 'unicode ack');
  s.emit('echo', Buffer.from([1, 2, 3]));
  assert(eq(await once(s, 'echo'), [Buffer.from([1, 2, 3])]), 'binary echo');
  const nested = { bin: Buffer.from([4, 5]), list: ['x', Buffer.from([6]), { deep: Buffer.from([0, 255]) }], n: 7 };
  assert(eq(await ack(s, 'echo', nested, Buffer.from('é')), [nested, Buffer.from('é')]), 'nested binary in ack');
  s.once('question', (...args) => {
    const cb = args.pop();
    assert(eq(args, ['what?', Buffer.from([1])]), 'ask arguments');
    cb('answer', Buffer.from([9, 8]), { ok: true });
  });
  assert(eq(await ack(s, 'ask', 'question', 'what?', Buffer.from([1])), ['answer', Buffer.from([9, 8]), { ok: true }]), 'ask');
  const hs = (await ack(s, 'handshake'))[0];
  assert(hs.id === s.id, `handshake id ${hs.id} vs ${s.id}`);
}

const cases = [];
function add(c) { cases.push({ layer: 'socketio', server: 'testapp', client: CLIENT, ...c }); }

for (const [name, transports, opts] of [
  ['polling', 'polling', { transports: ['polling'], upgrade: false }],
  ['websocket', 'websocket', { transports: ['websocket'] }],
  ['upgrade', 'upgrade', {}],
]) {
  add({
    name,
    transports,
    description: `socket.io-client ${transports}: echo with and without ack, unicode incl. astral, binary (plain, nested, in acks both ways), ask (server->client ack), handshake, client disconnect`,
    covers: name === 'polling' ? 'SUP-31 SUP-49' : 'SUP-49',
    run: async (ctx) => {
      const m = manager(ctx, opts);
      const upgraded = name === 'upgrade' ? new Promise((r) => m.engine.once('upgrade', r)) : null;
      const s = await open(m);
      if (upgraded) {
        s.emit('echo', 'on polling');
        await once(s, 'echo');
        await withTimeout(upgraded, 10000, 'upgrade');
      }
      await coreScenario(s);
      await close(m, [s]);
    },
  });
}

add({
  name: 'large',
  transports: 'polling',
  description: 'socket.io-client polling: a 24 000-character unicode text and a 12 000-byte binary echoed with ack (string payloads, base64 attachments)',
  run: async (ctx) => {
    const m = manager(ctx, { transports: ['polling'], upgrade: false });
    const s = await open(m);
    const text = 'abcdefghé😀中€'.repeat(2000);
    const bin = Buffer.alloc(12000);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 7) & 0xff;
    assert(eq(await ack(s, 'echo', text, bin), [text, bin]), 'large echo');
    await close(m, [s]);
  },
});

add({
  name: 'rooms',
  transports: 'websocket',
  description: 'two socket.io clients A and B on websocket: join/leave/rooms/clients, to (sender excluded), in-all (sender included), broadcast, all, rooms on /chat (ids /chat#sid), in-all after leave',
  covers: 'SUP-48',
  run: async (ctx) => {
    const ma = manager(ctx, { transports: ['websocket'] });
    const a = await open(ma);
    const mb = manager(ctx, { transports: ['websocket'] });
    const b = await open(mb);
    assert(eq(await ack(a, 'join', 'r1'), [true]), 'A join');
    assert(eq(await ack(b, 'join', 'r1'), [true]), 'B join r1');
    assert(eq(await ack(b, 'join', 'r2'), [true]), 'B join r2');
    assert(eq(await ack(a, 'rooms'), [[a.id, 'r1'].sort()]), 'A rooms');
    assert(eq(await ack(b, 'rooms'), [[b.id, 'r1', 'r2'].sort()]), 'B rooms');
    assert(eq(await ack(a, 'clients', 'r1'), [[a.id, b.id].sort()]), 'clients r1');
    assert(eq(await ack(a, 'clients', 'r2'), [[b.id]]), 'clients r2');
    assert(eq(await ack(a, 'clients', null), [[a.id, b.id].sort()]), 'clients all');

    let gotB = once(b, 'to-msg');
    a.emit('to', 'r1', 'to-msg', 'x', Buffer.from([1]));
    await gotB;
    let gotA = once(a, 'in-msg');
    gotB = once(b, 'in-msg');
    a.emit('in-all', 'r1', 'in-msg', 'y');
    await Promise.all([gotA, gotB]);
    gotB = once(b, 'bc-msg');
    a.emit('broadcast', 'bc-msg', { z: 1 });
    await gotB;
    gotA = once(a, 'all-msg');
    gotB = once(b, 'all-msg');
    a.emit('all', 'all-msg', 'everyone');
    await Promise.all([gotA, gotB]);
    assert(eq(await ack(a, 'leave', 'r1'), [true]), 'A leave');
    assert(eq(await ack(a, 'rooms'), [[a.id]]), 'A rooms after leave');
    gotB = once(b, 'only-b');
    a.emit('in-all', 'r1', 'only-b');
    await gotB;
    // the sender excluded from to() even when in the room
    gotA = once(a, 'to-r2');
    b.emit('to', 'r2', 'to-r2', 'from b');
    a.emit('join', 'r2', () => b.emit('to', 'r2', 'to-r2', 'from b again'));
    await gotA;

    const ca = await open(ma, '/chat');
    assert(eq(await ack(ca, 'join', 'c1'), [true]), 'chat join');
    const rooms = (await ack(ca, 'rooms'))[0];
    assert(eq(rooms, [`/chat#${a.id}`, 'c1'].sort()), `chat rooms ${JSON.stringify(rooms)}`);
    assert(eq(await ack(ca, 'clients', null), [[`/chat#${a.id}`]]), 'chat clients');
    await close(ma, [ca, a]);
    await close(mb, [b]);
  },
});

add({
  name: 'namespaces',
  transports: 'polling',
  description: 'one polling session multiplexing /, /chat (echo with ack, ack ids), invalid namespace /nope?x=1 (44/nope,"Invalid namespace"), /auth without token (44/auth,"not authorized"), /auth?token=secret&user=bob (whoami), handshake query merge on /chat with a namespace query',
  covers: 'SUP-32 SUP-33 SUP-34 SUP-47',
  run: async (ctx) => {
    const m = manager(ctx, { transports: ['polling'], upgrade: false, query: 'token=url&extra=1' });
    const root = await open(m);
    const chat = await open(m, '/chat', { query: 'token=nsp&more=2' });
    assert(eq(await ack(chat, 'echo', 'in chat', Buffer.from([7])), ['in chat', Buffer.from([7])]), 'chat echo');
    chat.emit('echo', 'chat no ack');
    await once(chat, 'echo');
    const hs = (await ack(chat, 'handshake'))[0];
    assert(hs.query.token === 'url', `query merge ${JSON.stringify(hs.query)}`);
    const e1 = await expectError(m, '/nope', { query: 'x=1' });
    assert(e1 === 'Invalid namespace', `invalid nsp error ${e1}`);
    const e2 = await expectError(m, '/auth');
    assert(e2 === 'not authorized', `auth error ${e2}`);
    const m2 = manager(ctx, { transports: ['polling'], upgrade: false });
    const root2 = await open(m2);
    const auth = await open(m2, '/auth', { query: 'token=secret&user=bob' });
    assert(eq(await ack(auth, 'whoami'), ['bob']), 'whoami');
    await close(m2, [auth, root2]);
    await close(m, [chat, root]);
  },
});

add({
  name: 'middleware',
  transports: 'websocket',
  description: 'packet middleware rejects the event "forbidden" on / and /chat (ERROR packet 44"forbidden event" / 44/chat,"forbidden event", ack never called), error-me sends a namespace ERROR packet, the socket keeps working',
  run: async (ctx) => {
    const m = manager(ctx, { transports: ['websocket'] });
    const s = await open(m);
    let err = once(s, 'error');
    s.emit('forbidden', 'x', () => { throw new Error('forbidden ack must not be called'); });
    assert(eq(await err, ['forbidden event']), 'forbidden on /');
    const chat = await open(m, '/chat');
    err = once(chat, 'error');
    chat.emit('forbidden', { a: 1 });
    assert(eq(await err, ['forbidden event']), 'forbidden on /chat');
    err = once(s, 'error');
    s.emit('error-me', 'boom');
    assert(eq(await err, ['boom']), 'error-me');
    err = once(chat, 'error');
    chat.emit('error-me', { why: 'because' });
    assert(eq(await err, [{ why: 'because' }]), 'error-me on chat');
    assert(eq(await ack(s, 'echo', 'still ok'), ['still ok']), 'works after errors');
    await close(m, [chat, s]);
  },
});

for (const [name, transports, opts] of [
  ['volatile-polling', 'polling', { transports: ['polling'], upgrade: false }],
  ['volatile-websocket', 'websocket', { transports: ['websocket'] }],
]) {
  add({
    name,
    transports,
    description: `${transports}: three 'volatile' requests in one burst (socket.volatile.emit is dropped when the transport is not writable; how many arrive depends on timing), then an acked echo as a barrier`,
    run: async (ctx) => {
      const m = manager(ctx, opts);
      const s = await open(m);
      const got = [];
      s.on('vol', (v) => got.push(v));
      await sleep(100); // let a GET park (polling)
      s.emit('volatile', 'vol', 1);
      s.emit('volatile', 'vol', 2);
      s.emit('volatile', 'vol', 3);
      await sleep(200);
      assert(eq(await ack(s, 'echo', 'barrier'), ['barrier']), 'barrier');
      await sleep(100);
      await close(m, [s]);
      if (process.env.RECORD_VERBOSE) console.log(`${name}: received volatile ${JSON.stringify(got)}`);
    },
  });
}

add({
  name: 'disconnect-me-false',
  transports: 'websocket',
  description: 'websocket, / and /chat multiplexed: disconnect-me false on /chat => 41/chat, /chat disconnected, the engine session and / stay usable',
  covers: 'SUP-41',
  run: async (ctx) => {
    const m = manager(ctx, { transports: ['websocket'] });
    const s = await open(m);
    const chat = await open(m, '/chat');
    const gone = once(chat, 'disconnect');
    chat.emit('disconnect-me', false);
    assert(eq(await gone, ['io server disconnect']), 'chat disconnect reason');
    assert(eq(await ack(s, 'echo', 'root alive'), ['root alive']), 'root still works');
    await close(m, [s]);
  },
});

add({
  name: 'disconnect-me-true',
  transports: 'polling',
  description: 'polling, / and /chat multiplexed: disconnect-me true on / => 41 and 41/chat, then the engine session closes (6 + 1 on the next GET)',
  covers: 'SUP-41',
  run: async (ctx) => {
    const m = manager(ctx, { transports: ['polling'], upgrade: false });
    const s = await open(m);
    const chat = await open(m, '/chat');
    const g1 = once(s, 'disconnect');
    const g2 = once(chat, 'disconnect');
    s.emit('disconnect-me', true);
    await Promise.all([g1, g2]);
    const engineClosed = m.engine && m.engine.readyState === 'closed' ? Promise.resolve() : new Promise((r) => m.engine.once('close', r));
    await withTimeout(engineClosed, 5000, 'engine close');
    m.close();
  },
});

add({
  name: 'client-disconnect',
  transports: 'polling',
  description: 'polling, / and /chat: the client closes /chat only (41/chat, no reply), then / is still usable, then closes the manager (41 and engine close 1:1)',
  covers: 'SUP-42',
  run: async (ctx) => {
    const m = manager(ctx, { transports: ['polling'], upgrade: false });
    const s = await open(m);
    const chat = await open(m, '/chat');
    chat.close();
    assert(eq(await ack(s, 'echo', 'after chat close'), ['after chat close']), 'root after chat close');
    await close(m, [s]);
  },
});

add({
  name: 'fanout',
  transports: 'websocket',
  description: 'two websocket clients: fanout 5 tick payload (nsp.emit 5 times, both get 5 ticks in order), then stats (sockets 2, rss)',
  run: async (ctx) => {
    const ma = manager(ctx, { transports: ['websocket'] });
    const a = await open(ma);
    const mb = manager(ctx, { transports: ['websocket'] });
    const b = await open(mb);
    const count = (s) => new Promise((r) => { let n = 0; s.on('tick', (p) => { assert(p === 'payload-é', 'tick payload'); if (++n === 5) r(); }); });
    const both = Promise.all([count(a), count(b)]);
    a.emit('fanout', 5, 'tick', 'payload-é');
    await withTimeout(both, 5000, 'fanout ticks');
    const st = (await ack(a, 'stats'))[0];
    assert(st.sockets === 2 && st.rss > 0, `stats ${JSON.stringify(st)}`);
    await close(ma, [a]);
    await close(mb, [b]);
  },
});

// ---------------- raw HTTP socket.io cases ----------------

const SP = '/socket.io/';
const textPlain = { 'Content-Type': 'text/plain;charset=UTF-8' };

// rawSession opens a b64=1 polling session on the contract app with plain
// HTTP and returns helpers that POST packets and GET the next payload.
async function rawSession(ctx) {
  const h = await lib.req(ctx, 'GET', `${SP}?EIO=3&transport=polling&t=rec0001&b64=1`);
  const sid = JSON.parse(lib.decodeStringPayload(h.body)[0].slice(1)).sid;
  const url = `${SP}?EIO=3&transport=polling&t=rec0002&b64=1&sid=${sid}`;
  return {
    sid,
    post: (...packets) => lib.req(ctx, 'POST', url, { headers: textPlain, body: lib.encodeStringPayload(packets) }),
    get: async () => lib.decodeStringPayload((await lib.req(ctx, 'GET', url)).body),
    getRaw: () => lib.req(ctx, 'GET', url),
  };
}

add({
  name: 'raw-edge',
  transports: 'polling',
  client: 'node http (raw)',
  description: 'raw polling against the contract app: event in the same payload as its namespace CONNECT is dropped; invalid namespace with query; unknown packet type 47 and bad JSON 42[bad ignored; engine ping still answered after an illegal attachments packet (45x-) killed the socket.io client',
  covers: 'SUP-33 SUP-38 SUP-43 SUP-44',
  run: async (ctx) => {
    const s = await rawSession(ctx);
    assert(eq(await s.get(), ['40']), 'root connect');
    await s.post('40/chat', '42/chat,["echo","dropped"]');
    assert(eq(await s.get(), ['40/chat']), 'event with its CONNECT dropped');
    await s.post('40/nope?a=b&c');
    assert(eq(await s.get(), ['44/nope,"Invalid namespace"']), 'invalid namespace');
    await s.post('47', '42[bad', '420["echo","still works"]');
    assert(eq(await s.get(), ['430["still works"]']), 'ignored bad packets');
    await s.post('45x-["echo"]');
    await sleep(100);
    await s.post('2');
    assert(eq(await s.get(), ['3']), 'ping after client error');
    await s.post('1');
  },
});

add({
  name: 'raw-disconnect-me-true',
  transports: 'polling',
  client: 'node http (raw)',
  description: 'raw polling against the contract app, / and /chat connected: disconnect-me true posted with no GET parked; the next GET gets 41 and 41/chat, the following one noop + close (6, 1); the sid is then unknown',
  covers: 'SUP-41 SUP-22',
  run: async (ctx) => {
    const s = await rawSession(ctx);
    assert(eq(await s.get(), ['40']), 'root connect');
    await s.post('40/chat');
    assert(eq(await s.get(), ['40/chat']), 'chat connect');
    await s.post('42["disconnect-me",true]');
    await sleep(100);
    const first = await s.get();
    const rest = first.includes('1') ? [] : await s.get();
    assert([...first, ...rest].join('|').includes('41|41/chat'), `disconnect packets ${JSON.stringify([first, rest])}`);
    await s.getRaw();
  },
});

add({
  name: 'raw-origins',
  transports: 'polling',
  client: 'node http (raw)',
  description: "raw handshakes against the contract app with ORIGINS='http://foo.example:*' (env beyond the contract): Origin http://foo.example, https://foo.example and http://oo.example allowed (substring match, scheme ignored); http://bar.example, no Origin, and Origin null rejected with 400 {\"code\":null}; Referer used when Origin is absent; a request with a sid is not origin-checked",
  env: { ORIGINS: 'http://foo.example:*' },
  covers: 'SUP-09 SUP-51',
  run: async (ctx) => {
    const hs = `${SP}?EIO=3&transport=polling&t=rec0001&b64=1`;
    const ok = await lib.req(ctx, 'GET', hs, { headers: { Origin: 'http://foo.example' } });
    assert(ok.status === 200, `foo.example ${ok.status}`);
    for (const o of ['https://foo.example', 'http://oo.example', 'http://bar.example', 'null']) {
      await lib.req(ctx, 'GET', hs, { headers: { Origin: o } });
    }
    const none = await lib.req(ctx, 'GET', hs);
    assert(none.status === 400, `no origin ${none.status}`);
    await lib.req(ctx, 'GET', hs, { headers: { Referer: 'http://foo.example/page.html' } });
    await lib.req(ctx, 'GET', hs, { headers: { Referer: 'http://bar.example/page.html' } });
    const sid = JSON.parse(lib.decodeStringPayload(ok.body)[0].slice(1)).sid;
    const r = await lib.req(ctx, 'GET', `${SP}?EIO=3&transport=polling&t=rec0002&b64=1&sid=${sid}`, { headers: { Origin: 'http://bar.example' } });
    assert(r.status === 200, `sid request origin-checked: ${r.status}`);
  },
});

module.exports = cases;
