// Every remedy the tool prints is applied to a copy of the input and the question is asked again
// (project rule "Trust before features"). The proof says whether the connection then works, what
// still stops it, and which other connections the change opens.
import type { Snapshot } from '../../snapshot/types.js';
import {
  printedRemedy,
  remediesOf,
  setFixText,
  STATE_ONLY,
  type Finding,
  type FixAlternative,
  type FixProof,
  type Manifest,
  type Remedy,
} from '../../findings/finding.js';
import { opensAfter, type OpensQuery } from './opens.js';
import { captureAfterChange } from '../../mesh/istio-cni.js';
import type { Outcome } from '../report.js';

export interface Asked {
  outcome: Outcome;
  /** The finding that decides a failure. */
  decisive?: Finding;
}

export interface ProofSubject {
  snapshot: Snapshot;
  /** The same question, asked of another snapshot (without proofs). */
  ask: (s: Snapshot) => Asked;
  opens: Omit<OpensQuery, 'changed'>;
}

function prove(subject: ProofSubject, remedy: Remedy): FixProof {
  const changed = [...(remedy.apply ?? []), ...(remedy.effects ?? [])];
  if (changed.length === 0 && !remedy.delete?.length) return NOT_AN_OBJECT_CHANGE;
  const edited = subject.snapshot.withChange({ apply: changed, delete: remedy.delete ?? [] });
  // §13.4: what Istio's controllers then do. istio-cni captures running pods the change enrolled (§13.1).
  const reactions = captureAfterChange(subject.snapshot, edited);
  const after = reactions.length ? edited.withChange({ apply: reactions, delete: [] }) : edited;
  const asked = subject.ask(after);
  const next = asked.outcome === 'allowed' ? undefined : asked.decisive;
  return {
    outcome: asked.outcome,
    ...(next ? { next: `${next.code} ${next.objects[0] ?? ''}`.trim() } : {}),
    opens: opensAfter(subject.snapshot, after, { ...subject.opens, changed: [...changed, ...reactions] }),
  };
}

/**
 * Each manifest as the complete object after the fix, so the proof applies exactly what is printed and
 * `kubectl apply` of it cannot drop a field, label or annotation the object had (README, JSON contract).
 */
function asPrinted(snapshot: Snapshot, r: Remedy): Remedy {
  // `effects` model the state commands bring about (a label, a Ready pod) and are merged as they are.
  return r.apply ? { ...r, apply: r.apply.map((m) => snapshot.objectAfter(m) as Manifest) } : r;
}

/**
 * Sets `fixes` on findings whose remedies change no object (reading what the cluster holds): there is nothing
 * to prove, and the proof says so.
 */
export function attachUnproven(findings: Finding[]): void {
  for (const f of findings) {
    const remedies = remediesOf(f);
    if (remedies.length === 0 || f.fixes) continue;
    f.fixes = remedies.map((r) => alternative(r, NOT_AN_OBJECT_CHANGE));
    setFixText(f, f.fixes);
  }
}

const NOT_AN_OBJECT_CHANGE: FixProof = {
  outcome: 'not-checked',
  opens: [],
  note: 'Not an object change: run the commands, then ask again.',
};

/**
 * A remedy as printed, with its proof. When nothing printed changes an object, the proof is of the state the
 * checks look for, not of a command.
 */
function alternative(r: Remedy, given: FixProof): FixAlternative {
  const { manifests, commands, checks } = printedRemedy(r);
  const changesNothing = !manifests && !commands.some((c) => !c.startsWith('#'));
  const proof = given.outcome !== 'not-checked' && changesNothing ? { ...given, note: STATE_ONLY } : given;
  return { title: r.title, manifests, commands, checks, ...(r.scope ? { scope: r.scope } : {}), proof };
}

/** Sets `fixes` (alternatives with their proofs) on every finding that has remedies. */
export function attachProofs(findings: Finding[], subject: ProofSubject): void {
  const cache = new Map<string, FixProof>();
  for (const f of findings) {
    const remedies = remediesOf(f);
    if (remedies.length === 0) continue;
    f.fixes = remedies.map((given): FixAlternative => {
      const r = asPrinted(subject.snapshot, given);
      const key = JSON.stringify([r.apply, r.effects, r.delete]);
      let proof = cache.get(key);
      if (!proof) cache.set(key, (proof = prove(subject, r)));
      return alternative(r, proof);
    });
    // A fix that opens more than the asked connection or request is never offered before one that does not.
    const widens = (a: FixAlternative) => (a.proof?.opens.length ? 1 : 0);
    f.fixes = f.fixes
      .map((a, i) => ({ a, i }))
      .sort((x, y) => widens(x.a) - widens(y.a) || x.i - y.i)
      .map(({ a }) => a);
    setFixText(f, f.fixes);
  }
}
