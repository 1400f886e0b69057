// The Node build's entry point (dist/main.js, what bin/kubectl-ambient_doctor runs) called for one
// argument list after another in this one process, with what it writes to stdout and stderr and the
// exit code it sets captured, so that comparing it with the compiled binary costs no Node start per
// run (test/package/binary-equivalence.test.ts). Requests and answers go over the IPC channel.
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { URL } from 'node:url';
import { main } from '../../dist/main.js';

const BIN_URL = new URL('../../bin/kubectl-ambient_doctor', import.meta.url).href;

async function runOnce(args) {
  const out = [];
  const err = [];
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = (into) => (chunk, encoding, done) => {
    into.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk);
    if (typeof encoding === 'function') encoding();
    else if (typeof done === 'function') done();
    return true;
  };
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  process.exitCode = undefined;
  try {
    await main(args, BIN_URL);
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  }
  const code = process.exitCode ?? 0;
  process.exitCode = undefined;
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

let queue = Promise.resolve();
process.on('message', ({ id, args }) => {
  queue = queue.then(async () => process.send({ id, ...(await runOnce(args)) }));
});
