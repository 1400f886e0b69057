// Entry point: runs oclif and turns every error into one line and a documented exit code.
import { fileURLToPath } from 'node:url';
import { run, flush, Config, Errors, settings } from '@oclif/core';
import { EXIT_USAGE } from './errors.js';
import { COMMANDS } from './commands/index.js';
import { visibleOnOneLine } from './text/controls.js';
import { parseErrorLine, unknownCommand } from './cli/usage.js';

/**
 * oclif's options for both builds: no user, link, dev or just-in-time plugins, so nothing declared in
 * ~/.local/share/ambient-doctor/package.json (or anywhere else outside the package) is ever loaded.
 */
export const NO_PLUGINS = { userPlugins: false, devPlugins: false, jitPlugins: false } as const;

// Both builds run compiled JavaScript. Left on, oclif looks for the TypeScript compiler whenever NODE_ENV is
// development or test, and an npm-installed plugin (no devDependencies) then warns on every run.
settings.enableAutoTranspile = false;

/** kubectl's forms oclif lacks: `-h` alone, and `help [COMMAND]` (both give the help of the command). */
export function asKubectlReads(argv: string[]): string[] {
  if (argv.length === 1 && argv[0] === '-h') return ['--help'];
  if (argv[0] === 'help') return argv.length > 1 ? [...argv.slice(1), '--help'] : ['--help'];
  return withKubectlBooleans(argv);
}

/** kubectl's booleans also take `--flag=true` and `--flag=false`; oclif's take `--flag` and `--no-flag`. */
function withKubectlBooleans(argv: string[]): string[] {
  const command = COMMANDS[argv[0] as keyof typeof COMMANDS];
  if (!command) return argv;
  const flags = command.flags as unknown as Record<string, { type?: string; allowNo?: boolean }>;
  return argv.flatMap((arg) => {
    const m = /^--([\w-]+)=(true|false)$/.exec(arg);
    const flag = m && flags[m[1]];
    if (!m || !flag || flag.type !== 'boolean') return [arg];
    if (m[2] === 'true') return [`--${m[1]}`];
    // Without allowNo the flag defaults to false, so =false is the default.
    return flag.allowNo ? [`--no-${m[1]}`] : [];
  });
}

// `root` is the package's URL for the Node build, or a loaded Config for the compiled binary.
export async function main(given: string[], root: string | Config): Promise<void> {
  // cobra's completion protocol, which kubectl speaks to kubectl_complete-ambient_doctor (cli/completion.ts).
  if (given[0] === '__complete') {
    const { complete, liveNames, renderCompletion } = await import('./cli/completion.js');
    const words = given.slice(1);
    process.stdout.write(renderCompletion(await complete(words, () => liveNames(words))));
    return;
  }
  const argv = asKubectlReads(given);
  const notACommand = unknownCommand(argv);
  if (notACommand) {
    process.stderr.write(`error: ${visibleOnOneLine(notACommand)}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  try {
    const config = typeof root === 'string' ? await Config.load({ root: fileURLToPath(root), ...NO_PLUGINS }) : root;
    await run(argv, config);
    await flush();
  } catch (err) {
    if (err instanceof Errors.ExitError) {
      process.exitCode = err.oclif.exit;
      return;
    }
    const oneLine = parseErrorLine(err, argv);
    if (oneLine) {
      process.stderr.write(`error: ${visibleOnOneLine(oneLine)}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    const lines = (err instanceof Error ? err.message : String(err))
      .split('\n')
      .map((l) => l.replace(/^\s*›?\s*(Error:)?\s*/, '').trim())
      .filter((l) => l !== '' && !l.startsWith('See more help'));
    // A flag's own parse error comes as "Parsing --flag" and then the reason, which says it all.
    const message =
      /^Parsing --[\w-]+$/.test(lines[0] ?? '') && lines[1]
        ? lines[1]
        : lines[0]?.endsWith(':')
          ? `${lines[0]} ${lines
              .slice(1)
              .map((l) => l.split(/\s{2,}/)[0])
              .join(', ')}`
          : lines[0];
    process.stderr.write(`error: ${visibleOnOneLine(message ?? '')}\nSee 'kubectl ambient-doctor --help'.\n`);
    process.exitCode = EXIT_USAGE;
  }
}
