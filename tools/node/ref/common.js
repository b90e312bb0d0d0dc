'use strict';
// Shared plumbing for the reference apps: env parsing, the `listening <port>`
// line, clean shutdown on SIGTERM/SIGINT, and keeping the process alive when
// a library callback throws (the reference would otherwise crash, e.g. on a
// client ERROR packet with no `error` listener; see socketio-server-1.7.md
// Quirks). Such errors are logged to stderr.

function envInt(name) {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || Math.floor(n) !== n) {
    console.error(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}

function listen(httpServer, onClose) {
  const port = envInt('PORT') || 0;
  httpServer.on('error', (err) => {
    console.error('listen error:', err.message);
    process.exit(1);
  });
  httpServer.listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening ${httpServer.address().port}\n`);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    try { onClose(); } catch (e) { console.error('close error:', e && e.stack || e); }
    // Open keep-alive sockets may hold the server; never wait long.
    setTimeout(() => process.exit(0), 500).unref();
    httpServer.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('uncaughtException', (err) => {
    console.error('uncaught exception (kept running):', err && err.stack || err);
  });
  // Exit when the parent goes away (stdin closed), if stdin is a pipe.
  if (process.env.EXIT_ON_STDIN_CLOSE === '1') {
    process.stdin.on('end', stop);
    process.stdin.resume();
  }
}

module.exports = { envInt, listen };
