// §4.4, §12.5, §12.8: authorization in Envoy, written once for every proxy that runs it: a waypoint
// (targetRefs policies), a sidecar or an Istio gateway (selector policies). CUSTOM, then DENY, then
// ALLOW; an HTTP denial is a 403, a TCP one closes the connection. Each hop keeps its own finding codes.
import type { AuthorizationPolicyFact } from '../../snapshot/types.js';
import { refTo } from '../../snapshot/ref.js';
import {
  effectiveRule,
  evaluateAtEnvoy,
  providerServiceLookup,
  providerServiceReady,
  providerServiceRef,
  type WaypointRequest,
} from '../../mesh/waypoint-authorization.js';
import { ENVOY_REPLIES } from '../../mesh/envoy-log-signatures.js';
import { finding, type Finding, type Remedy } from '../../findings/finding.js';
import { command } from '../../findings/command.js';
import { exemptFromRuleRemedy, undecidedAtEnvoy } from '../explain/authz-explain.js';
import type { EvalContext } from '../context.js';
import type { PathRun } from '../explain/path.js';
import type { Hop } from '../report.js';

export interface EnvoyAuthorization {
  /** The proxy as prose names it: `waypoint`, `sidecar`, `gateway proxy`. */
  proxy: string;
  /** Where the decision is made, after "at": `waypoint hello/waypoint`, `the sidecar of hello/pod`. */
  where: string;
  policies: AuthorizationPolicyFact[];
  request: WaypointRequest;
  /** The client as the proxy sees it (identity, or plaintext and its name), with any note on who it is. */
  who: string;
  /** What a TCP client sees, as a sentence. */
  tcpAnswer: string;
  codes: { denied: 'AD808' | 'AD708'; undecided: 'AD809' | 'AD706' };
  enforcedBy: 'waypoint' | 'sidecar';
  /** The fix when no ALLOW matches: an ALLOW for exactly this client. */
  allowFix: () => Remedy[];
}

const apName = (ap: AuthorizationPolicyFact) => `AuthorizationPolicy ${ap.meta.namespace}/${ap.meta.name}`;

export function authorizeAtEnvoy(ctx: EvalContext, run: PathRun, hop: Hop, e: EnvoyAuthorization): void {
  const { request, policies } = e;
  const http = request.protocol === 'HTTP';
  const decision = evaluateAtEnvoy(
    policies,
    request,
    ctx.snapshot.mesh.extensionProviders,
    providerServiceLookup(ctx.snapshot),
    providerServiceReady(ctx.snapshot),
  );
  if (decision.allowed === false) {
    const denied = decision.reason === 'denied';
    const decisive = decision.decisive;
    const refs = decisive ? [decisive] : policies.filter((p) => p.action === 'ALLOW');
    const what = http ? `${request.method} ${request.path} from ` : '';
    const answer = http ? ` The ${e.proxy} answers 403 "${ENVOY_REPLIES.rbacDenied}".` : ` ${e.tcpAnswer}`;
    const asDeny = !decisive
      ? ''
      : decision.customAsDeny
        ? `CUSTOM ${apName(decisive)} acts as DENY (${decision.customAsDeny}): its `
        : `DENY ${apName(decisive)} `;
    // §13.3: on a TCP chain an ALLOW rule with HTTP fields is dropped whole; say so, or "none matches" misleads.
    const droppedOnTcp = http
      ? []
      : refs.filter((ap) => (ap.rules ?? []).some((r) => r && !effectiveRule(r, 'TCP', 'ALLOW')));
    const tcpChain =
      droppedOnTcp.length === 0
        ? ''
        : ` The waypoint builds a TCP chain for this port${request.chainWhy ? ` (${request.chainWhy})` : ''}, ` +
          `where it drops the rules of ${droppedOnTcp.map(apName).join(', ')} that use HTTP fields; what they ` +
          'were meant to admit is refused.';
    const detail = denied
      ? `${asDeny}rule ${(decision.ruleIndex ?? 0) + 1} matches ${what}${e.who} at ${e.where}.${answer}`
      : `ALLOW policies at ${e.where} (${refs.map(apName).join(', ')}) apply, and none matches ${what}${e.who}.` +
        tcpChain +
        answer;
    const fix = (): Remedy[] =>
      denied && decisive
        ? [
            exemptFromRuleRemedy(decisive, decision.ruleIndex ?? 0, {
              principal: request.identity,
              ip: request.sourceIp,
              ...(http ? { path: request.path } : {}),
            }),
          ]
        : e.allowFix();
    const objects = refs.map((p) => refTo('AuthorizationPolicy', p.meta));
    if (decision.authorizerDown && decisive) {
      const found = authorizerDown(decisive, decision.ruleIndex ?? 0, decision.authorizerDown, e, `${what}${e.who}`);
      run.fail(hop, found, http ? 'http-403' : 'reset', e.enforcedBy);
      return;
    }
    run.fail(hop, finding(e.codes.denied, detail, objects, fix), http ? 'http-403' : 'reset', e.enforcedBy);
  } else if (decision.allowed === 'unknown') {
    const { names, depends, objects } = undecidedAtEnvoy(decision);
    run.note(finding(e.codes.undecided, `The decision at ${e.where} depends on ${depends}: ${names}.`, objects));
    run.unknown ??= `The ${e.proxy}'s decision depends on facts the input cannot know (${names}).`;
  } else if (decision.decisive) {
    const p = decision.decisive;
    run.evidence(hop, `allowed by ${p.meta.namespace}/${p.meta.name} rule ${(decision.ruleIndex ?? 0) + 1}`);
  }
}

/** §12.5: the external authorizer is down; the policy is right, the service behind it is not. */
function authorizerDown(
  decisive: AuthorizationPolicyFact,
  ruleIndex: number,
  down: string,
  e: EnvoyAuthorization,
  what: string,
): Finding {
  const answer = e.request.protocol === 'HTTP' ? ` The ${e.proxy} answers 403.` : ` ${e.tcpAnswer}`;
  const detail =
    `CUSTOM ${apName(decisive)} rule ${ruleIndex + 1} sends ${what} to the external authorizer ${down}, ` +
    `which has no ready endpoint; its provider does not fail open, so ${e.where} refuses the request.${answer}`;
  const service = providerServiceRef(down).service;
  const objects = [refTo('AuthorizationPolicy', decisive.meta)];
  if (!service) return finding('AD415', detail, objects);
  const { namespace, name } = service;
  objects.push(refTo('Service', { namespace, name }));
  const slices = ['kubectl', 'get', 'endpointslices', '-n', namespace, '-l', `kubernetes.io/service-name=${name}`];
  const remedy: Remedy = {
    title: `Bring the external authorizer ${namespace}/${name} back: find why no endpoint is ready`,
    commands: [command(slices), command(['kubectl', 'describe', 'service', '-n', namespace, name])],
  };
  return finding('AD415', detail, objects, () => [remedy]);
}
