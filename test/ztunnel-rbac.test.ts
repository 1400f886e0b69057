// ztunnel's own matcher tests (ztunnel-authz.md §2-§3), as a table: policy + connection → match.
import { describe, expect, it } from 'vitest';
import {
  assertRbac,
  matchingGroup,
  stringMatches,
  type RbacConnection,
  type RbacMatch,
  type RbacPolicy,
} from '../src/mesh/ztunnel-rbac.js';

const P: RbacConnection = { sourceIp: '127.0.0.1', destinationIp: '127.0.0.2', destinationPort: 8080 };
const T: RbacConnection = { ...P, identity: 'td/ns/namespace/sa/account' };
const A: RbacConnection = {
  identity: 'td-alt/ns/ns-alt/sa/sa=alt',
  sourceIp: '127.0.0.3',
  destinationIp: '127.0.0.4',
  destinationPort: 9090,
};

const single = (m: RbacMatch, action: 'ALLOW' | 'DENY' = 'ALLOW'): RbacPolicy => ({
  name: 'p',
  namespace: 'ns',
  scope: 'NAMESPACE',
  action,
  groups: [{ rules: [{ matches: [m] }] }],
});
const cidr = (address: string, length: number) => ({ address, length });

const fieldCases: [string, RbacMatch, boolean, boolean, boolean][] = [
  ['namespaces', { namespaces: [{ exact: 'namespace' }] }, false, true, false],
  ['notNamespaces', { notNamespaces: [{ exact: 'namespace' }] }, true, false, true],
  ['serviceAccounts', { serviceAccounts: [{ namespace: 'namespace', serviceAccount: 'account' }] }, false, true, false],
  [
    'notServiceAccounts',
    { notServiceAccounts: [{ namespace: 'namespace', serviceAccount: 'account' }] },
    true,
    false,
    true,
  ],
  ['principals', { principals: [{ exact: 'td/ns/namespace/sa/account' }] }, false, true, false],
  ['notPrincipals', { notPrincipals: [{ exact: 'td/ns/namespace/sa/account' }] }, true, false, true],
  ['sourceIps', { sourceIps: [cidr('127.0.0.1', 32)] }, true, true, false],
  ['notSourceIps', { notSourceIps: [cidr('127.0.0.1', 32)] }, false, false, true],
  ['destinationIps', { destinationIps: [cidr('127.0.0.2', 32)] }, true, true, false],
  ['notDestinationIps', { notDestinationIps: [cidr('127.0.0.2', 32)] }, false, false, true],
  ['destinationIps with host bits', { destinationIps: [cidr('127.0.0.1', 24)] }, true, true, true],
  ['destinationPorts', { destinationPorts: [8080] }, true, true, false],
  ['notDestinationPorts', { notDestinationPorts: [8080] }, false, false, true],
];

describe('ztunnel matcher: single fields (rbac.rs)', () => {
  it.each(fieldCases)('%s', (_n, m, p, t, a) => {
    const policy = single(m);
    expect([P, T, A].map((c) => matchingGroup(policy, c) >= 0)).toEqual([p, t, a]);
  });
});

describe('ztunnel matcher: structure', () => {
  const base = { name: 'p', namespace: 'ns', scope: 'NAMESPACE' as const, action: 'ALLOW' as const };
  it.each([
    ['one empty match never matches', { ...base, groups: [{ rules: [{ matches: [{}] }] }] }, false],
    ['a clause with no matches matches', { ...base, groups: [{ rules: [{ matches: [] }] }] }, true],
    ['a rule with no clauses matches', { ...base, groups: [{ rules: [] }] }, true],
    ['a policy with no rules matches nothing', { ...base, groups: [] }, false],
  ])('%s', (_n, policy, want) => {
    expect(matchingGroup(policy as RbacPolicy, P) >= 0).toBe(want);
  });

  const nesting: RbacPolicy = {
    ...base,
    groups: [
      {
        rules: [
          { matches: [{ namespaces: [{ exact: 'a' }] }, { namespaces: [{ exact: 'b' }] }] },
          { matches: [{ destinationPorts: [80] }] },
        ],
      },
    ],
  };
  it.each([
    ['ns a port 80', 'td/ns/a/sa/x', 80, true],
    ['ns b port 80', 'td/ns/b/sa/x', 80, true],
    ['ns bad port 80', 'td/ns/bad/sa/x', 80, false],
    ['ns b port 12345', 'td/ns/b/sa/x', 12345, false],
  ])('nesting: %s', (_n, identity, port, want) => {
    expect(matchingGroup(nesting, { identity, destinationPort: port }) >= 0).toBe(want);
  });

  it.each([
    [{ exact: 'foo' }, 'foo', true],
    [{ exact: 'foo' }, 'not', false],
    [{ exact: 'foo' }, '', false],
    [{ prefix: 'foo' }, 'foobar', true],
    [{ prefix: 'foo' }, 'notfoo', false],
    [{ prefix: 'foo' }, '', false],
    [{ suffix: 'foo' }, 'barfoo', true],
    [{ suffix: 'foo' }, 'foonot', false],
    [{ suffix: 'foo' }, '', false],
    [{ presence: {} }, 'foo', true],
    [{ presence: {} }, '', false],
  ] as const)('string match %j vs "%s"', (m, v, want) => expect(stringMatches(m as never, v)).toBe(want));

  it('a spiffe:// principal never matches', () => {
    expect(matchingGroup(single({ principals: [{ exact: 'spiffe://td/ns/namespace/sa/account' }] }), T)).toBe(-1);
  });
});

describe('DENY before ALLOW (state.rs assert_rbac)', () => {
  const allow = { ...single({ principals: [{ exact: 'td/ns/ns1/sa/defaultacct' }] }), name: 'allow' };
  const deny = { ...single({ principals: [{ exact: 'td/ns/ns1/sa/denyacct' }] }, 'DENY'), name: 'deny' };
  const dryAllow = { ...single({ principals: [{ presence: {} }] }), name: 'dry-allow', dryRun: true };
  const dryDeny = { ...single({ principals: [{ presence: {} }] }, 'DENY'), name: 'dry-deny', dryRun: true };
  const policies = [allow, deny, dryAllow, dryDeny];
  it.each([
    ['no policies: allow', [], 'td/ns/ns2/sa/not-defaultacct', 'no-policy'],
    ['ALLOW matches', policies, 'td/ns/ns1/sa/defaultacct', 'allowed'],
    ['ALLOW exists, no match', policies, 'td/ns/ns1/sa/not-defaultacct', 'not-allowed'],
    ['DENY matches', policies, 'td/ns/ns1/sa/denyacct', 'denied'],
    ['only dry-run ALLOW does not count', [dryAllow], 'td/ns/x/sa/y', 'no-policy'],
  ] as const)('%s', (_n, list, identity, reason) => {
    expect(assertRbac(list as RbacPolicy[], { identity, destinationPort: 80 }).reason).toBe(reason);
  });
});
