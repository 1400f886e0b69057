// Runs the CLI in this process and reports its peak RSS on stderr, for bench/live.mjs.
import { main } from '../dist/main.js';

await main(process.argv.slice(2), new URL('../bin/kubectl-ambient_doctor', import.meta.url).href);
process.stderr.write(`maxRSS ${process.resourceUsage().maxRSS}\n`);
