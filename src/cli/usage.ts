// Command-line mistakes as kubectl answers them: one line, and "did you mean" when something close exists.
import { didYouMean } from './nearest.js';
import { COMMANDS } from '../commands/index.js';

type CommandId = keyof typeof COMMANDS;
interface ArgSpec {
  name?: string;
}

const BUILTINS = ['help', '--help', '-h', '--version', 'version'];

/** The first word when it is not a command: one line naming it, with the nearest command. */
export function unknownCommand(argv: string[]): string | undefined {
  const word = argv[0];
  if (word === undefined || word.startsWith('-') || word in COMMANDS || BUILTINS.includes(word)) return undefined;
  const guess = didYouMean(word, Object.keys(COMMANDS));
  const hint = guess ? `; did you mean "${guess}"?` : '';
  return `unknown command "${word}"${hint} Commands: ${Object.keys(COMMANDS).join(', ')}`;
}

function usageOf(id: CommandId): string {
  const args = Object.keys(COMMANDS[id].args ?? {}).map((a) => a.toUpperCase());
  return `kubectl ambient-doctor ${id} ${args.join(' ')} [flags]`.replace(/\s+/g, ' ');
}

function flagNames(id: CommandId): string[] {
  const flags = COMMANDS[id].flags as Record<string, { char?: string }>;
  return Object.entries(flags).flatMap(([name, f]) => [`--${name}`, ...(f.char ? [`-${f.char}`] : [])]);
}

/** oclif's parse errors (several lines, flag-order notes) as one line with the command's usage. */
export function parseErrorLine(err: unknown, argv: string[]): string | undefined {
  const id = argv[0] as CommandId;
  if (!(id in COMMANDS) || typeof err !== 'object' || err === null) return undefined;
  const e = err as { flags?: unknown; args?: unknown; message?: string };
  if (Array.isArray(e.flags)) {
    const typed = String(e.flags[0]).replace(/=.*$/, '');
    const guess = didYouMean(typed, flagNames(id));
    return (
      `unknown flag ${typed} for ${id}${guess ? `; did you mean ${guess}?` : ''} ` +
      `('kubectl ambient-doctor ${id} -h' lists the flags)`
    );
  }
  if (Array.isArray(e.args) && e.args.length > 0) {
    if (typeof e.args[0] === 'object') {
      const missing = (e.args as ArgSpec[]).map((a) => (a.name ?? 'argument').toUpperCase());
      return `missing ${missing.join(' and ')}: usage ${usageOf(id)}`;
    }
    return `unexpected argument ${(e.args as string[]).join(' ')}: usage ${usageOf(id)}`;
  }
  const option = e.message?.split('\n')[0].match(/^Expected --([\w-]+)=(.*) to be one of: (.*)$/);
  if (option) {
    const [, flag, value, choices] = option;
    const guess = didYouMean(value, choices.split(', '));
    return `--${flag}=${value} is not one of ${choices}${guess ? `; did you mean ${guess}?` : ''}`;
  }
  return undefined;
}
