'use strict';
// Usage: node record/run.js [case ...]   (case = name or layer/name; none = all)
//        node record/run.js --list
const lib = require('./lib');

const all = [...require('./engineio'), ...require('./socketio'), ...require('./browser')];

// A failed scenario can leave requests that fail later; log, don't crash.
process.on('unhandledRejection', (e) => console.error('unhandled rejection (ignored):', e && e.message || e));

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--list') {
    for (const c of all) console.log(`${c.layer}/${c.name}\t${c.description}`);
    return;
  }
  let selected = all;
  if (args.length) {
    selected = [];
    for (const a of args) {
      const m = all.filter((c) => `${c.layer}/${c.name}` === a || c.name === a || c.layer === a);
      if (!m.length) throw new Error(`unknown case ${a} (try --list)`);
      selected.push(...m);
    }
  }
  let failed = 0;
  for (const c of selected) {
    const t0 = Date.now();
    try {
      const out = await lib.record(c);
      console.log(`ok   ${c.layer}/${c.name} (${Date.now() - t0} ms) -> ${out}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${c.layer}/${c.name}: ${e && e.stack || e}`);
    }
  }
  if (failed) process.exitCode = 1;
}

main().catch((e) => { console.error(e); process.exit(1); });
