'use strict';
// engine.io 1.8.3 echo server (the reference side of tools/cmd/eio-echo; see
// /work/shared/contract.md). Every message a socket sends is sent straight
// back on that socket: strings as strings, binary (Buffer) as binary.
//
// Env: PORT (0 = any free port), PING_INTERVAL, PING_TIMEOUT (ms), and, beyond
// the contract, MAX_HTTP_BUFFER_SIZE (bytes; engine.io's maxHttpBufferSize,
// used to record the size-limit cases). Path: /engine.io.
const http = require('http');
const path = require('path');
const { envInt, listen } = require('./common');

const engine = require(path.join(__dirname, '..', 'node_modules', 'engine.io'));

const opts = {};
if (envInt('PING_INTERVAL')) opts.pingInterval = envInt('PING_INTERVAL');
if (envInt('PING_TIMEOUT')) opts.pingTimeout = envInt('PING_TIMEOUT');
if (envInt('MAX_HTTP_BUFFER_SIZE')) opts.maxHttpBufferSize = envInt('MAX_HTTP_BUFFER_SIZE');

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found');
});
const eio = engine.attach(server, opts);

eio.on('connection', (socket) => {
  socket.on('message', (data) => socket.send(data));
  socket.on('error', (err) => console.error('socket error:', err && err.message));
});

listen(server, () => eio.close());
