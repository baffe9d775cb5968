// Differential-test driver for trustbridge's policy engine.
//
// Runs the reference engine @cloud-copilot/iam-simulate (AGPL-3.0) as a
// separate process: nothing of it is linked into or copied into trustbridge.
// This script is trustbridge's own code. It reads one JSON object per line
// on stdin, {"id": N, "file": <trustbridge simulate request file>}, runs the
// reference's runSimulation (the validated entry point, the only one that
// evaluates session policies), and writes one line per case:
// {"id": N, "decision": "Allowed"|"ExplicitlyDenied"|"ImplicitlyDenied"} or
// {"id": N, "error": "..."}.
//
// IAMSIM_DIR names the directory whose node_modules holds the reference.
'use strict';
const path = require('path');
const readline = require('readline');
const sim = require(require.resolve('@cloud-copilot/iam-simulate', { paths: [path.resolve(process.env.IAMSIM_DIR)] }));

function doc(p) {
  return typeof p === 'string' ? JSON.parse(p) : p;
}

function accountOf(principal) {
  if (/^\d{12}$/.test(principal)) return principal;
  const parts = principal.split(':');
  return parts.length >= 6 ? parts[4] : '';
}

function org(levels, prefix) {
  if (!levels) return [];
  return levels.map((lvl, i) => ({
    orgIdentifier: `${prefix}-${i}`,
    policies: lvl.map((p, j) => ({ name: `${prefix}-${i}-${j}`, policy: doc(p) })),
  }));
}

function toSimulation(f) {
  const principal = f.principal === 'anonymous' ? sim.anonymousPrincipal : f.principal;
  const s = {
    request: {
      principal,
      action: f.action,
      resource: {
        resource: f.resource,
        accountId: f.resourceAccount || accountOf(f.principal),
      },
      contextVariables: f.context || {},
    },
    identityPolicies: (f.identityPolicies || []).map((p, i) => ({ name: `identityPolicies[${i}]`, policy: doc(p) })),
    serviceControlPolicies: org(f.scps, 'scp'),
    resourceControlPolicies: org(f.rcps, 'rcp'),
  };
  if (f.resourcePolicy) s.resourcePolicy = doc(f.resourcePolicy);
  if (f.permissionsBoundaries) {
    s.permissionBoundaryPolicies = f.permissionsBoundaries.map((p, i) => ({ name: `permissionsBoundaries[${i}]`, policy: doc(p) }));
  }
  if (f.sessionPolicy) s.sessionPolicy = doc(f.sessionPolicy);
  return s;
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = [];
  const flush = () => {
    if (out.length) {
      process.stdout.write(out.join(''));
      out.length = 0;
    }
  };
  for await (const line of rl) {
    if (!line.trim()) continue;
    let id = null;
    try {
      const msg = JSON.parse(line);
      id = msg.id;
      if (msg.bench) {
        // Timing mode: evaluate the same case n times, report cases/second.
        const s = toSimulation(msg.file);
        const start = process.hrtime.bigint();
        for (let i = 0; i < msg.bench; i++) await sim.runSimulation(s, {});
        const secs = Number(process.hrtime.bigint() - start) / 1e9;
        out.push(JSON.stringify({ id, perSecond: msg.bench / secs }) + '\n');
        flush();
        continue;
      }
      const res = await sim.runSimulation(toSimulation(msg.file), {});
      if (res.resultType === 'error') {
        out.push(JSON.stringify({ id, error: JSON.stringify(res.errors) }) + '\n');
      } else {
        out.push(JSON.stringify({ id, decision: res.overallResult }) + '\n');
      }
    } catch (e) {
      out.push(JSON.stringify({ id, error: String((e && e.stack) || e) }) + '\n');
    }
    if (out.length >= 64) flush();
    if (rl.input.readableLength === 0) flush();
  }
  flush();
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + '\n');
  process.exit(1);
});
