'use strict';
// socket.io 1.7.3 conformance app: the reference side of tools/cmd/testapp,
// implementing /work/shared/contract.md row by row.
//
// Env: PORT (0 = any free port), PING_INTERVAL, PING_TIMEOUT (ms), and,
// beyond the contract, MAX_HTTP_BUFFER_SIZE (bytes) and ORIGINS (socket.io's
// `origins` string, default '*:*'; used to record origin rejections). Path:
// /socket.io, otherwise socket.io defaults (cookie io, compression on).
//
// Robustness beyond the reference: every socket has an `error` listener and
// uncaught exceptions are logged instead of crashing the process (plain
// 1.7.3 would crash on a client ERROR packet); event arguments that are
// functions are dropped where the contract does not take an ack, so a stray
// client ack can never make a broadcast throw.
const http = require('http');
const path = require('path');
const { envInt, listen } = require('./common');

const socketio = require(path.join(__dirname, '..', 'node_modules', 'socket.io'));

const opts = { path: '/socket.io' };
if (envInt('PING_INTERVAL')) opts.pingInterval = envInt('PING_INTERVAL');
if (envInt('PING_TIMEOUT')) opts.pingTimeout = envInt('PING_TIMEOUT');
if (envInt('MAX_HTTP_BUFFER_SIZE')) opts.maxHttpBufferSize = envInt('MAX_HTTP_BUFFER_SIZE');
if (process.env.ORIGINS) opts.origins = process.env.ORIGINS;

const server = http.createServer();
const io = socketio(server, opts);

// Splits arguments into [plain args, trailing ack function or null].
function splitAck(args) {
  args = Array.prototype.slice.call(args);
  let ack = null;
  if (args.length && typeof args[args.length - 1] === 'function') ack = args.pop();
  return [args.filter((a) => typeof a !== 'function'), ack];
}

function callAck(ack, ...vals) {
  if (typeof ack === 'function') ack(...vals);
}

function handlers(nsp) {
  return (socket) => {
    socket.on('error', (err) => console.error(`${nsp.name} socket error:`, err && (err.message || err)));

    socket.use((packet, next) => {
      if (packet[0] === 'forbidden') return next(new Error('forbidden event'));
      next();
    });

    socket.on('echo', function () {
      const [args, ack] = splitAck(arguments);
      if (ack) ack(...args);
      else socket.emit('echo', ...args);
    });

    socket.on('join', function (room) {
      const [, ack] = splitAck(arguments);
      socket.join(room, () => callAck(ack, true));
    });

    socket.on('leave', function (room) {
      const [, ack] = splitAck(arguments);
      socket.leave(room, () => callAck(ack, true));
    });

    socket.on('rooms', function () {
      const [, ack] = splitAck(arguments);
      callAck(ack, Object.keys(socket.rooms).sort());
    });

    socket.on('clients', function (room) {
      const [, ack] = splitAck(arguments);
      const target = room === null || room === undefined ? nsp : nsp.in(room);
      target.clients((err, ids) => {
        if (err) console.error('clients error:', err);
        callAck(ack, (ids || []).slice().sort());
      });
    });

    socket.on('to', function () {
      const [[room, event, ...rest]] = splitAck(arguments);
      socket.to(room).emit(event, ...rest);
    });

    socket.on('in-all', function () {
      const [[room, event, ...rest]] = splitAck(arguments);
      nsp.in(room).emit(event, ...rest);
    });

    socket.on('broadcast', function () {
      const [[event, ...rest]] = splitAck(arguments);
      socket.broadcast.emit(event, ...rest);
    });

    socket.on('all', function () {
      const [[event, ...rest]] = splitAck(arguments);
      nsp.emit(event, ...rest);
    });

    socket.on('ask', function () {
      const [[event, ...rest], ack] = splitAck(arguments);
      socket.emit(event, ...rest, function () {
        callAck(ack, ...arguments);
      });
    });

    socket.on('volatile', function () {
      const [[event, ...rest]] = splitAck(arguments);
      socket.volatile.emit(event, ...rest);
    });

    socket.on('handshake', function () {
      const [, ack] = splitAck(arguments);
      const h = socket.handshake;
      callAck(ack, { query: h.query, url: h.url, xdomain: h.xdomain, secure: h.secure, id: socket.id });
    });

    socket.on('disconnect-me', function (close) {
      socket.disconnect(close);
    });

    socket.on('error-me', function (msg) {
      socket.error(msg);
    });

    socket.on('fanout', function () {
      const [[n, event, payload]] = splitAck(arguments);
      const count = Math.max(0, Math.min(Number(n) || 0, 1e7));
      for (let i = 0; i < count; i++) nsp.emit(event, payload);
    });

    socket.on('stats', function () {
      const [, ack] = splitAck(arguments);
      { const mu = process.memoryUsage(); callAck(ack, { sockets: Object.keys(nsp.connected).length, rss: mu.rss, heap: mu.heapUsed }); }
    });
  };
}

for (const name of ['/', '/chat']) {
  const nsp = io.of(name);
  nsp.on('connection', handlers(nsp));
}

const auth = io.of('/auth');
auth.use((socket, next) => {
  if (socket.handshake.query.token === 'secret') return next();
  next(new Error('not authorized'));
});
auth.on('connection', (socket) => {
  socket.on('error', (err) => console.error('/auth socket error:', err && (err.message || err)));
  socket.on('whoami', function () {
    const [, ack] = splitAck(arguments);
    callAck(ack, socket.handshake.query.user || null);
  });
});

listen(server, () => io.close());
