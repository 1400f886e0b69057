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
/** Words as POSIX shell text: bare where nothing in them is special, else quoted. */
export const quoted = (words: string[]) => words.map((w) => (PLAIN_WORD.test(w) ? w : quote([w]))).join(' ');

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

/**
 * The resource a command names: kubectl's short names where they exist (lines fit 80 columns), and the
 * Gateway API's Gateway by its group, which a bare `gateway` could resolve to Istio's own Gateway kind.
 */
export function resourceFor(kind: string): string {
  const names: Record<string, string> = {
    Service: 'svc',
    Namespace: 'ns',
    Gateway: 'gateways.gateway.networking.k8s.io',
  };
  return names[kind] ?? kind.toLowerCase();
}

/**
 * `kubectl label` that sets the values whatever the object has now: without `--overwrite` kubectl refuses a
 * key that already has another value, which is the very case a fix is offered for.
 */
export function labelCommand(
  target: { kind: string; namespace?: string; name: string },
  labels: Record<string, string>,
): Command {
  const where = target.namespace ? ['-n', target.namespace] : [];
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return command(['kubectl', 'label', resourceFor(target.kind), ...where, target.name, ...pairs, '--overwrite']);
}

/** kubectl verbs that only read: a remedy line running one is a check, not a change. */
const READ_VERBS = new Set(['get', 'describe', 'logs', 'top', 'explain', 'events', 'version', 'api-resources']);
/** `kubectl auth` reads with these and writes with `reconcile`. */
const READ_AUTH = new Set(['can-i', 'whoami']);

/** Whether a command only reads (kubectl get, describe, logs, …): shown as a check, never as a fix. */
export function isReadOnly(c: CommandLine): boolean {
  if (isNote(c)) return false;
  // `kubectl get … | kubectl replace …` writes: every command of a pipe must be read-only.
  if (c.pipeTo && !isReadOnly(command(c.pipeTo))) return false;
  const [program, ...rest] = c.argv;
  if (program !== 'kubectl') return false;
  // The verb is the first word that is neither a flag nor the value of -n/--namespace/--context.
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i];
    if (['-n', '--namespace', '--context', '--kubeconfig', '-l'].includes(w)) i++;
    else if (!w.startsWith('-')) return READ_VERBS.has(w) || (w === 'auth' && READ_AUTH.has(rest[i + 1] ?? ''));
  }
  return false;
}

/**
 * The command that starts a pod again the way its owner would start it. A Deployment's ReplicaSet is named
 * `<deployment>-<pod-template-hash>` (the pod carries the hash as a label), so the Deployment is restarted;
 * a ReplicaSet, Job or other owner recreates a deleted pod itself; a pod nothing owns is replaced from its
 * own spec (`kubectl replace --force` deletes it and creates it again), since deleting it alone loses it.
 */
export function restartCommand(pod: {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  owner?: { kind: string; name: string };
}): Command {
  const { namespace, name, owner } = pod;
  const hash = pod.labels['pod-template-hash'];
  if (owner?.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) {
    const deployment = owner.name.slice(0, -hash.length - 1);
    return command(['kubectl', '-n', namespace, 'rollout', 'restart', 'deployment', deployment]);
  }
  if (owner && ['StatefulSet', 'DaemonSet'].includes(owner.kind))
    return command(['kubectl', '-n', namespace, 'rollout', 'restart', owner.kind.toLowerCase(), owner.name]);
  if (owner)
    return command(['kubectl', '-n', namespace, 'delete', 'pod', name], {
      comment: `${owner.kind} ${owner.name} starts it again`,
    });
  return command(['kubectl', '-n', namespace, 'get', 'pod', name, '-o', 'yaml'], {
    pipeTo: ['kubectl', 'replace', '--force', '-f', '-'],
    comment: 'nothing owns it: replaced from its own spec',
  });
}
