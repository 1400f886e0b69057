// Notes are findings that do not depend on a connection's order of hops: facts about one object
// (a policy, a PeerAuthentication scope, a pod) that a hop reports when the path crosses it, and
// that a mesh-wide scan can report for every object. Each analyzer lives in its own file and is
// listed in notes/index.ts.
import type { AuthorizationPolicyFact, PodFact } from '../../snapshot/types.js';
import type { ConversionResult } from '../../mesh/authorization.js';
import type { effectiveMtls } from '../../mesh/peer-authentication.js';
import type { FindingCode } from '../../findings/catalogue.js';
import type { Finding } from '../../findings/finding.js';
import type { EvalContext } from '../context.js';

/** An AuthorizationPolicy that applies at a destination pod's ztunnel, with istiod's conversion. */
export interface PolicySubject {
  policy: AuthorizationPolicyFact;
  conversion: ConversionResult;
  destination: PodFact;
}

/** The PeerAuthentication levels that decide a destination pod's mTLS mode. */
export interface MtlsSubject {
  destination: PodFact;
  mtls: ReturnType<typeof effectiveMtls>;
}

export interface Analyzer<S> {
  /** The codes this analyzer can report. */
  codes: FindingCode[];
  analyze(ctx: EvalContext, subject: S): Finding[];
}
