package engineio

// Checklist items (shared/spec/checklist.md, section 1) that no test here
// claims, and why. They are listed without the coverage marker on purpose.
//
// Client library behaviour (engine.io-client, not the server): CL-02, CL-05,
// CL-21, CL-22, CL-23, CL-24, MSG-13, MSG-14, SND-01 .. SND-06. The live
// interop tests in tools/interop run the real client against this server,
// which exercises them indirectly.
//
// Node API surface with no Go equivalent: CL-01 (write buffer visible in the
// close handler), SND-07, SND-08, SND-10 .. SND-13 (per-message send
// callbacks; OnDrain is the Go flow-control hook, tested in TestSendSemantics),
// PKT-01 .. PKT-04 (packet/packetCreate events; the wire effects — pongs,
// delivered messages — are tested), CL-31 (polluted Object.prototype),
// WSE-01 (wsEngine swap), API-01 .. API-03, API-05, API-06 (module exports,
// attach), API-09, API-11 (destroyUpgrade option and other 'upgrade'
// listeners: Serve ends foreign upgrades at once, Handler leaves other paths
// to the application's router).
