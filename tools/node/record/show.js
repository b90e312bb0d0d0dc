'use strict';
// Prints a recording in a readable form and validates it: node record/show.js FILE [--max N]
// Checks: every line is JSON, line 1 is meta, seq runs 0,1,2,... and t_ms
// never decreases. Exit status 1 on a violation.
const fs = require('fs');

function printable(buf, max) {
  let s = '';
  const text = buf.toString('utf8');
  const isText = Buffer.compare(Buffer.from(text, 'utf8'), buf) === 0 && !/[\x00-\x08\x0e-\x1f]/.test(text);
  if (isText) s = JSON.stringify(text);
  else s = `hex ${buf.toString('hex')}`;
  if (s.length > max) s = `${s.slice(0, max)}... (${buf.length} bytes)`;
  return s;
}

function check(file, max, print) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const errs = [];
  let prevT = -1;
  lines.forEach((line, i) => {
    let e;
    try { e = JSON.parse(line); } catch (err) { errs.push(`line ${i + 1}: not JSON`); return; }
    if (i === 0) {
      if (e.kind !== 'meta') errs.push('line 1 is not meta');
      if (print) console.log(`# ${e.name} [${e.layer}] ${e.transports}: ${e.description}`);
      return;
    }
    if (e.seq !== i - 1) errs.push(`line ${i + 1}: seq ${e.seq}, want ${i - 1}`);
    if (!(e.t_ms >= prevT)) errs.push(`line ${i + 1}: t_ms goes back`);
    prevT = e.t_ms;
    if (!print) return;
    const head = `${String(e.seq).padStart(4)} ${e.t_ms.toFixed(1).padStart(8)}ms c${e.conn}`;
    switch (e.kind) {
      case 'http_request':
        console.log(`${head} > #${e.req} ${e.method} ${e.url} ${e.headers.map((h) => `${h[0]}: ${h[1]}`).join(' | ')}${e.body ? ` body ${printable(Buffer.from(e.body, 'base64'), max)}` : ''}`);
        break;
      case 'http_response':
        console.log(`${head} < #${e.req} ${e.status} ${e.reason} ${e.headers.map((h) => `${h[0]}: ${h[1]}`).join(' | ')} body ${printable(Buffer.from(e.body, 'base64'), max)}`);
        break;
      case 'ws_frame':
        console.log(`${head} ${e.dir === 'c2s' ? '>' : '<'} ws op${e.opcode}${e.compressed ? ' (deflated)' : ''} ${printable(Buffer.from(e.data, 'base64'), max)}`);
        break;
      case 'tcp_close':
        console.log(`${head} tcp close by ${e.by}`);
        break;
      default:
        errs.push(`line ${i + 1}: unknown kind ${e.kind}`);
    }
  });
  return errs;
}

const args = process.argv.slice(2);
let max = 160;
const mi = args.indexOf('--max');
if (mi >= 0) { max = Number(args[mi + 1]); args.splice(mi, 2); }
const quiet = args.includes('--check');
let bad = 0;
for (const f of args.filter((a) => a !== '--check')) {
  const errs = check(f, max, !quiet);
  if (errs.length) { bad++; console.log(`INVALID ${f}:\n  ${errs.slice(0, 10).join('\n  ')}`); } else if (quiet) console.log(`valid ${f}`);
}
process.exitCode = bad ? 1 : 0;
