// What RBAC hid, said the way an on-call engineer can act on it: who the API server thinks the
// user is, one entry per missing permission (verb and resource, with every namespace it was
// missing in), the `kubectl auth can-i` that shows it, and the command that grants the read role.
import type { Snapshot } from '../../snapshot/types.js';
import { command, shellLine, unsafeCommandNote, type Command } from '../../findings/command.js';

type Gap = Snapshot['gaps'][number];

export interface MissingPermission {
  verb: string;
  resource: string;
  /** Namespaces where it was refused; empty for a cluster-wide request. */
  namespaces: string[];
}

/** The gaps grouped by permission, in the order they were first seen. */
export function missingPermissions(gaps: Gap[]): MissingPermission[] {
  const byPermission = new Map<string, MissingPermission>();
  for (const g of gaps) {
    const key = `${g.verb} ${g.resource}`;
    const entry = byPermission.get(key) ?? { verb: g.verb, resource: g.resource, namespaces: [] };
    if (g.namespace && !entry.namespaces.includes(g.namespace)) entry.namespaces.push(g.namespace);
    byPermission.set(key, entry);
  }
  return [...byPermission.values()];
}

/** The user the API server named in its 403s (`User "alice" cannot list …`), if it did. */
export function forbiddenUser(gaps: Gap[]): string | undefined {
  for (const g of gaps) {
    const m = g.message.match(/User "([^"]+)"/);
    if (m) return m[1];
  }
  return undefined;
}

export function permissionText(p: MissingPermission): string {
  return `${p.verb} ${p.resource}${p.namespaces.length ? ` in ${p.namespaces.join(', ')}` : ' cluster-wide'}`;
}

export function canICommand(p: MissingPermission): Command {
  const scope = p.namespaces.length ? ['-n', p.namespaces[0]] : ['-A'];
  return command(['kubectl', 'auth', 'can-i', p.verb, p.resource, ...scope]);
}

/** The command a cluster admin runs to grant the tool's read-only role to this user. */
export function grantCommand(user: string | undefined): Command {
  const sa = user?.match(/^system:serviceaccount:([^:]+):(.+)$/);
  const subject = sa ? ['--serviceaccount', `${sa[1]}:${sa[2]}`] : ['--user', user ?? '<your user>'];
  return command(['kubectl', 'ambient-doctor', 'rbac', ...subject], { pipeTo: ['kubectl', 'apply', '-f', '-'] });
}

const lineOf = (c: Command) => shellLine(c) ?? unsafeCommandNote(c);

/** One line for a question the missing permissions leave unanswerable. */
export function forbiddenLine(gaps: Gap[]): string {
  const user = forbiddenUser(gaps);
  // The reads that name the asked objects first: those are why the question cannot be answered.
  const rank = (p: MissingPermission) => {
    const i = ['namespaces', 'pods', 'services'].indexOf(p.resource);
    return i < 0 ? 3 : i;
  };
  const missing = missingPermissions(gaps).sort((a, b) => rank(a) - rank(b));
  const shown = missing.slice(0, 3).map(permissionText).join('; ');
  const more = missing.length > 3 ? `; and ${missing.length - 3} more` : '';
  return (
    `${user ? `user "${user}"` : 'this user'} may not read what the question needs (forbidden: ${shown}${more}). ` +
    `Check with: ${lineOf(canICommand(missing[0]))}. A cluster admin grants the read-only role with: ` +
    lineOf(grantCommand(user))
  );
}
