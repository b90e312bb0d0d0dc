// Cross-check helper for reference_test.go: runs engine.io-parser 1.3.2 on
// the cases in the JSON file argv[2] and prints the results as JSON.
'use strict';
const fs = require('fs');
const path = require('path');
const parser = require(path.join(process.env.FASTSIO_NODE_MODULES, 'engine.io-parser'));
const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

function toNode(p) {
  const o = { type: p.type };
  if (p.binary) o.data = Buffer.from(p.data, 'base64');
  else if (p.data !== null) o.data = Buffer.from(p.data, 'base64').toString('utf8');
  return o;
}
function fromNode(p) {
  if (p.type === 'error') return { error: true };
  const o = { type: p.type === undefined ? 'unknown' : p.type, binary: false, data: null };
  if (Buffer.isBuffer(p.data)) { o.binary = true; o.data = p.data.toString('base64'); }
  else if (p.data !== undefined) o.data = Buffer.from(String(p.data), 'utf8').toString('base64');
  return o;
}

const out = { encode: [], decode: [], form: [] };
const qs = require('querystring');
for (const b of input.form || []) {
  // engine.io 1.8.3 JSONP onData, minus the payload decoding.
  let d = qs.parse(Buffer.from(b, 'base64').toString('utf8')).d;
  if (typeof d !== 'string') { out.form.push(null); continue; }
  d = d.replace(/(\\)?\\n/g, (m, slashes) => slashes ? m : '\n').replace(/\\\\n/g, '\\n');
  out.form.push(Buffer.from(d, 'utf8').toString('base64'));
}
for (const list of input.encode) {
  const ps = list.map(toNode);
  const r = {};
  parser.encodePayload(ps.map(p => Object.assign({}, p)), false, s => { r.string = Buffer.from(s, 'utf8').toString('base64'); });
  parser.encodePayloadAsBinary(ps.map(p => Object.assign({}, p)), b => { r.binary = b.toString('base64'); });
  r.text = ps.map(p => { let t; parser.encodePacket(Object.assign({}, p), false, s => { t = s; }); return Buffer.from(t, 'utf8').toString('base64'); });
  r.jsonp = Buffer.from(JSON.stringify(Buffer.from(r.string, 'base64').toString('utf8')).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'), 'utf8').toString('base64');
  out.encode.push(r);
}
for (const c of input.decode) {
  const body = Buffer.from(c.body, 'base64');
  const got = [];
  if (c.binary) {
    parser.decodePayload(body, p => { got.push(fromNode(p)); });
  } else {
    // As engine.io 1.8.3 polling reads a non-octet-stream POST body, and stops at close.
    parser.decodePayload(body.toString('utf8'), p => {
      got.push(fromNode(p));
      if (p.type === 'close') return false;
    });
  }
  out.decode.push(got);
}
process.stdout.write(JSON.stringify(out));
