// Commands the tool prints stay argument lists until they are printed, and are quoted for POSIX
// shells here and only here (shell-quote). A word that no quoting makes safe to paste (a newline,
// an escape byte) is not printed as a command: the remedy shows its manifest instead.
import { quote } from 'shell-quote';
import { hasControlCharacters, visibleOnOneLine } from '../text/controls.js';

export interface Command {
  /** The words the program gets, exactly as meant; never a shell fragment. */
  argv: string[];
  /** A second command that reads the first one's output: `argv | pipeTo`. */
  pipeTo?: string[];
  /** Said after the command as a shell comment. */
  comment?: string;
}

/** A line that is only a comment (`# …`): advice that runs nothing. */
export interface Note {
  note: string;
}

export type CommandLine = Command | Note;

export const command = (argv: string[], more: Omit<Command, 'argv'> = {}): Command => ({ argv, ...more });
export const note = (text: string): Note => ({ note: text });
export const isNote = (c: CommandLine): c is Note => 'note' in c;

/** The words of a command that no quoting makes safe to paste, if any. */
export function unsafeWords(c: CommandLine): string[] {
  return isNote(c) ? [] : [...c.argv, ...(c.pipeTo ?? [])].filter(hasControlCharacters);
}

const comment = (text: string) => `# ${visibleOnOneLine(text)}`;

/** Words no POSIX shell treats specially are printed as they are (the set Python's shlex.quote leaves bare). */
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;
const quoted = (words: string[]) => words.map((w) => (PLAIN_WORD.test(w) ? w : quote([w]))).join(' ');

/**
 * The command as one POSIX shell line, or undefined when a word holds a control character. Comments
 * are made one line with visible escapes, so they never end early.
 */
export function shellLine(c: CommandLine): string | undefined {
  if (isNote(c)) return comment(c.note);
  if (unsafeWords(c).length > 0) return undefined;
  const words = [quoted(c.argv), ...(c.pipeTo ? ['|', quoted(c.pipeTo)] : [])].join(' ');
  return c.comment ? `${words}  ${comment(c.comment)}` : words;
}

/** The line printed in place of a command that cannot be pasted safely. */
export function unsafeCommandNote(c: CommandLine): string {
  const shown = unsafeWords(c).map((w) => `"${visibleOnOneLine(w)}"`);
  return comment(`not printed as a command: ${shown.join(', ')} holds control characters`);
}
