// Runs the np-guard NetworkPolicy corpus (../shared/conformance/netpol, used as it is) through
// the project's engine and compares the allowed connections with each case's expected list.
// Prints "netpol conformance: N passed, M failed" and exits 1 on any failure.
// Work in progress for issue 5: not yet part of `npm test` (ANP/BANP and the Ingress
// controller peer are missing).
//
// Adaptations, in the comparison only (the engine follows Kubernetes):
// - the corpus never lets an ipBlock match a pod: pods are given no IP here;
// - the corpus treats hostNetwork pods like any pod (Kubernetes exempts them): they are
//   evaluated as ordinary pods here;
// - exposure goldens hold the plain list before "Exposure Analysis Result:"; only that part is compared.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifestFiles } from '../dist/input/files.js';
import { buildSnapshot } from '../dist/input/normalize.js';
import { connectivityList } from '../dist/mesh/connectivity.js';

const CASES = join(process.env.AMBIENT_DOCTOR_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'), 'conformance', 'netpol', 'cases');
let passed = 0;
const failed = [];
for (const name of readdirSync(CASES).sort()) {
  const expectedDir = join(CASES, name, 'expected');
  const file = [`${name}_connlist_output.txt`, `${name}_exposure_output.txt`].map((f) => join(expectedDir, f)).find(existsSync);
  if (!file) {
    failed.push(`${name}: no list golden (explain-only case, not compared yet)`);
    continue;
  }
  try {
    const snapshot = buildSnapshot(readManifestFiles([join(CASES, name, 'input')], () => ''));
    for (const pod of snapshot.pods) pod.hostNetwork = false;
    const got = connectivityList(snapshot, { ipBlocksMatchPods: false });
    const want = readFileSync(file, 'utf8').split('Exposure Analysis Result:')[0].split('\n').map((l) => l.trim()).filter(Boolean).sort();
    if (JSON.stringify(got) === JSON.stringify(want)) passed++;
    else failed.push(`${name}: ${want.filter((w) => !got.includes(w)).length} expected lines missing, ${got.filter((g) => !want.includes(g)).length} unexpected`);
  } catch (err) {
    failed.push(`${name}: ${err.message}`);
  }
}
for (const f of failed) console.log(`FAIL ${f}`);
console.log(`netpol conformance: ${passed} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
