// Browser half of tools/interop/browser_test.go: socket.io-client 1.7.3's
// browser bundle (global `io`) runs the contract app scenario and reports
// every step's observed values with POST /result. The page does not judge
// the values: the Go test compares them with its expected table, so the
// exact expectations live in one place.
//
// Query parameters: mode = polling | jsonp | upgrade; target = the origin of
// the socket.io server (defaults to this page's origin).
//
// Binary values are reported as {"$ab": "<hex>"} for an ArrayBuffer and
// {"$other": "<type>"} for any other binary-ish object (which the Go side
// never expects), so "came back as an ArrayBuffer" is part of every check.
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var mode = params.get('mode');
  var target = params.get('target') || location.origin;
  var STEP_TIMEOUT = 10000;

  function post(obj) {
    return fetch('/result', { method: 'POST', body: JSON.stringify(obj) });
  }

  function tag(v) {
    if (v instanceof ArrayBuffer) {
      return { $ab: Array.prototype.map.call(new Uint8Array(v), function (b) {
        return (b < 16 ? '0' : '') + b.toString(16);
      }).join('') };
    }
    if (ArrayBuffer.isView(v) || (typeof Blob !== 'undefined' && v instanceof Blob)) {
      return { $other: Object.prototype.toString.call(v) };
    }
    if (typeof v === 'function') return { $other: 'function' };
    if (v === undefined) return { $other: 'undefined' };
    if (Array.isArray(v)) return v.map(tag);
    if (v && typeof v === 'object') {
      var o = {};
      Object.keys(v).forEach(function (k) { o[k] = tag(v[k]); });
      return o;
    }
    return v;
  }

  function ab(bytes) { return new Uint8Array(bytes).buffer; }

  function withTimeout(p, what) {
    return Promise.race([p, new Promise(function (_, reject) {
      setTimeout(function () { reject(new Error('timeout waiting for ' + what)); }, STEP_TIMEOUT);
    })]);
  }
  function once(s, ev) {
    return withTimeout(new Promise(function (resolve) {
      s.once(ev, function () { resolve([].slice.call(arguments)); });
    }), 'event ' + ev);
  }
  function ack(s) {
    var args = [].slice.call(arguments, 1);
    return withTimeout(new Promise(function (resolve) {
      s.emit.apply(s, args.concat([function () { resolve([].slice.call(arguments)); }]));
    }), 'ack of ' + args[0]);
  }

  var current = 'start';
  async function step(name, fn) {
    current = name;
    var got = await fn();
    await post({ mode: mode, step: name, got: tag(got) });
  }

  async function sha256(buf) {
    var d = await crypto.subtle.digest('SHA-256', buf);
    return tag(d).$ab;
  }

  // The large payload's bytes; the Go side builds the same pattern.
  function pattern(n) {
    var u = new Uint8Array(n);
    for (var i = 0; i < n; i++) u[i] = (i * 31 + 7) & 255;
    return u.buffer;
  }

  // Text that stresses every string path: astral characters (two UTF-16
  // units: the 1.x string payload counts those and double-UTF-8-encodes
  // everything), U+2028/U+2029 (line terminators inside JSONP script
  // bodies), newlines and backslash-n (JSONP form bodies escape newlines),
  // quotes and a NUL.
  var UNI = 'héllo wörld € 中文 😀 𝄞 \u2028\u2029 line1\nline2 \\n back\\slash "q" \u0000 end';

  async function run() {
    var opts = { forceNew: true, reconnection: false };
    if (mode === 'polling') opts.transports = ['polling'];
    if (mode === 'jsonp') { opts.transports = ['polling']; opts.forceJSONP = true; }

    var socket = io(target, opts);
    var engine = socket.io.engine;
    var upgraded = new Promise(function (resolve) { engine.once('upgrade', resolve); });
    var stray = []; // events "/" must never see ("iso" is for /chat only)
    socket.on('iso', function () { stray.push(['iso'].concat([].slice.call(arguments))); });

    // Read the transport inside the listener: a pending upgrade can finish
    // in the same task as the poll that delivered CONNECT, before any
    // promise continuation runs.
    var atConnect = new Promise(function (resolve) {
      socket.once('connect', function () {
        resolve({ transport: engine.transport.name, supportsBinary: engine.transport.supportsBinary,
          connected: socket.connected, sameID: socket.id === engine.id });
      });
    });
    await step('connect', async function () { return await withTimeout(atConnect, 'connect'); });

    if (mode === 'upgrade') {
      await step('upgrade', async function () {
        if (engine.transport.name !== 'websocket') await withTimeout(upgraded, 'upgrade');
        return { transport: engine.transport.name };
      });
    }

    await step('handshake', async function () {
      var h = (await ack(socket, 'handshake'))[0];
      var q = Object.keys(h.query).map(function (k) { return [k, k === 't' ? '<t>' : h.query[k]]; });
      return { query: q, url: h.url.replace(/([?&]t=)[^&]*/, '$1<t>'), xdomain: h.xdomain,
        secure: h.secure, id: h.id === socket.id ? '<self>' : h.id };
    });

    await step('echo-text', async function () {
      var got = once(socket, 'echo');
      socket.emit('echo', 'hello', 42, 1.5, true, null, { a: [1, 'b'], c: {} });
      return await got;
    });

    await step('echo-unicode-ack', async function () {
      var o = {};
      o['key 😀'] = UNI;
      return await ack(socket, 'echo', UNI, o, ['𝄞']);
    });

    await step('echo-binary-event', async function () {
      var got = once(socket, 'echo');
      socket.emit('echo', ab([0, 1, 2, 127, 128, 253, 254, 255]));
      return await got;
    });

    await step('echo-binary-ack', async function () {
      return await ack(socket, 'echo', ab([1, 2, 3]),
        { nested: ab([0, 255]), list: [ab([7]), 'x', ab([])], text: '😀' }, 'tail');
    });

    await step('echo-binary-large', async function () {
      var r = await ack(socket, 'echo', pattern(100 * 1024), 'big');
      return { isArrayBuffer: r[0] instanceof ArrayBuffer, len: r[0].byteLength,
        sha256: await sha256(r[0]), rest: r.slice(1) };
    });

    await step('ask', async function () {
      var question = new Promise(function (resolve) {
        socket.once('question', function () {
          var args = [].slice.call(arguments);
          var cb = args.pop();
          if (typeof cb !== 'function') { resolve({ noAck: args }); return; }
          cb('answer', ab([5, 6]), { e: '😀' });
          resolve(args);
        });
      });
      var answer = await ack(socket, 'ask', 'question', 'what? 😀', ab([9, 8]), { deep: [ab([1])] });
      return { question: await withTimeout(question, 'question'), answer: answer };
    });

    await step('join', async function () { return await ack(socket, 'join', 'r1'); });

    await step('rooms', async function () {
      return { rooms: (await ack(socket, 'rooms'))[0], self: socket.id };
    });

    await step('in-all', async function () {
      var got = once(socket, 'room-msg');
      socket.emit('in-all', 'r1', 'room-msg', 'hi 😀', ab([1, 2]));
      return await got;
    });

    await step('forbidden', async function () {
      var got = once(socket, 'error');
      socket.emit('forbidden', 1);
      return await got;
    });

    await step('error-me', async function () {
      var got = once(socket, 'error');
      socket.emit('error-me', 'boom 😀');
      return await got;
    });

    var chat = socket.io.socket('/chat');
    await step('chat-connect', async function () {
      await once(chat, 'connect');
      // 1.7.3's client sets the id of every namespace socket to the engine id.
      return { connected: chat.connected, id: chat.id, engine: engine.id };
    });

    await step('chat-echo', async function () {
      return await ack(chat, 'echo', 'on chat 😀', ab([3]));
    });

    await step('chat-rooms', async function () {
      return (await ack(chat, 'rooms'))[0];
    });

    await step('chat-in-all', async function () {
      // "/" is in room r1, /chat is not yet: the first in-all reaches nobody.
      chat.emit('in-all', 'r1', 'iso', 'nobody');
      var joined = await ack(chat, 'join', 'r1');
      var got = once(chat, 'iso');
      chat.emit('in-all', 'r1', 'iso', 'chat only', ab([4]));
      var iso = await got;
      // A round trip on each namespace after the broadcasts: what arrived
      // by then has arrived (packets of one connection stay in order).
      await ack(chat, 'echo', 'sync');
      await ack(socket, 'echo', 'sync');
      return { joined: joined, iso: iso, rootStray: stray };
    });

    var rejected = socket.io.socket('/auth');
    await step('auth-rejected', async function () {
      var connected = false;
      rejected.on('connect', function () { connected = true; });
      var err = await once(rejected, 'error');
      await ack(socket, 'echo', 'sync'); // a late CONNECT would be here by now
      return { error: err, connected: connected || rejected.connected };
    });

    await step('auth-accepted', async function () {
      var o = Object.assign({}, opts, { query: { token: 'secret', user: 'ann ü' } });
      var a = io(target + '/auth', o);
      try {
        await once(a, 'connect');
        return await ack(a, 'whoami');
      } finally {
        a.close();
      }
    });

    await step('final-transport', async function () {
      return { transport: engine.transport.name };
    });

    await step('close', async function () {
      // Closing every namespace socket ends the manager and its engine.
      var root = once(socket, 'disconnect');
      var chatGone = once(chat, 'disconnect');
      var authDisconnected = false; // it never connected: no disconnect either
      rejected.on('disconnect', function () { authDisconnected = true; });
      var engineGone = new Promise(function (resolve) { engine.once('close', resolve); });
      chat.close();
      rejected.close();
      socket.close();
      var r = { root: await root, chat: await chatGone };
      await withTimeout(engineGone, 'engine close');
      r.engine = engine.readyState;
      r.authDisconnected = authDisconnected;
      return r;
    });
  }

  window.addEventListener('error', function (e) {
    post({ mode: mode, step: current, error: 'uncaught: ' + (e.error && e.error.stack || e.message) });
  });
  window.addEventListener('unhandledrejection', function (e) {
    post({ mode: mode, step: current, error: 'unhandled rejection: ' + (e.reason && e.reason.stack || e.reason) });
  });

  run().then(function () {
    return post({ mode: mode, done: true });
  }, function (e) {
    return post({ mode: mode, step: current, error: String(e && e.stack || e), done: true });
  });
})();
