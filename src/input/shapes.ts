// The shape the engine needs of each kind it reads, checked as objects are read: a field of the
// wrong type, or a null where an object or list item must be, is one clear line naming the object
// and the field ("Pod test/curl: spec.containers[0] is null") instead of a JavaScript error later.
// Only fields the engine reads are described; anything else is left alone. JSON Schema compiled by
// Ajv: checking is generated code, so 100k pods cost milliseconds, not seconds.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const intOrStr: Schema = { type: ['integer', 'string'] };
/** Label and annotation values: kubectl sends strings; hand-written YAML may hold `version: 1`. */
const scalar: Schema = { type: ['string', 'number', 'boolean', 'null'] };
const arr = (items: Schema): Schema => ({ type: 'array', items });
const obj = (properties: Record<string, Schema>): Schema => ({ type: 'object', properties });
const mapOf = (values: Schema): Schema => ({ type: 'object', additionalProperties: values });
const strings = arr(str);

const metadata = obj({
  name: str,
  namespace: str,
  labels: mapOf(scalar),
  annotations: mapOf(scalar),
  creationTimestamp: str,
});
const labelSelector = obj({
  matchLabels: mapOf(scalar),
  matchExpressions: arr(obj({ key: str, operator: str, values: arr(scalar) })),
});
const conditions = arr(obj({ type: str, status: str, reason: str, message: str }));
const probe = obj({
  httpGet: obj({ port: intOrStr, host: str, path: str }),
  tcpSocket: obj({ port: intOrStr, host: str }),
  grpc: obj({ port: int }),
  exec: { type: 'object' },
});
const container = obj({
  name: str,
  image: str,
  args: arr(str),
  ports: arr(obj({ name: str, containerPort: int, protocol: str })),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
});
const podSpec = obj({
  nodeName: str,
  hostNetwork: bool,
  serviceAccountName: str,
  serviceAccount: str,
  containers: arr(container),
  initContainers: arr(container),
});
const workload = obj({
  metadata,
  spec: obj({ selector: labelSelector, replicas: int, template: obj({ metadata, spec: podSpec }) }),
});

const npPeer = obj({
  podSelector: labelSelector,
  namespaceSelector: labelSelector,
  ipBlock: obj({ cidr: str, except: strings }),
});
const npPorts = arr(obj({ protocol: str, port: intOrStr, endPort: int }));
const adminPods = obj({ namespaceSelector: labelSelector, podSelector: labelSelector });
const adminPeer = obj({ namespaces: labelSelector, pods: adminPods, networks: strings });
const adminPorts = arr(
  obj({
    portNumber: obj({ protocol: str, port: int }),
    portRange: obj({ protocol: str, start: int, end: int }),
    namedPort: str,
  }),
);
const adminRule = (peer: 'from' | 'to') => obj({ name: str, action: str, [peer]: arr(adminPeer), ports: adminPorts });
const adminPolicy = obj({
  metadata,
  spec: obj({
    priority: int,
    subject: obj({ namespaces: labelSelector, pods: adminPods }),
    ingress: arr(adminRule('from')),
    egress: arr(adminRule('to')),
  }),
});

const SOURCE_FIELDS = [
  'principals',
  'requestPrincipals',
  'namespaces',
  'ipBlocks',
  'remoteIpBlocks',
  'serviceAccounts',
];
const OPERATION_FIELDS = ['hosts', 'ports', 'methods', 'paths'];
const withNot = (fields: string[]) =>
  Object.fromEntries(
    fields.flatMap((f) => [
      [f, strings],
      [`not${f[0].toUpperCase()}${f.slice(1)}`, strings],
    ]),
  );
const targetRef = obj({ group: str, kind: str, name: str, namespace: str });

const SHAPES: Record<string, Schema> = {
  Namespace: obj({ metadata }),
  Pod: obj({
    metadata,
    spec: podSpec,
    status: obj({ podIP: str, podIPs: arr(obj({ ip: str })), hostIP: str, phase: str, conditions }),
  }),
  Deployment: workload,
  StatefulSet: workload,
  DaemonSet: workload,
  ReplicaSet: workload,
  Job: workload,
  Service: obj({
    metadata,
    spec: obj({
      selector: mapOf(scalar),
      clusterIP: str,
      clusterIPs: strings,
      type: str,
      ports: arr(obj({ name: str, appProtocol: str, port: int, targetPort: intOrStr, protocol: str })),
      externalName: str,
      internalTrafficPolicy: str,
      publishNotReadyAddresses: { type: ['boolean', 'null'] },
    }),
    status: obj({ conditions }),
  }),
  EndpointSlice: obj({
    metadata,
    endpoints: arr(
      obj({
        addresses: strings,
        conditions: obj({ ready: { type: ['boolean', 'null'] } }),
        targetRef: obj({ kind: str, name: str }),
        nodeName: str,
      }),
    ),
  }),
  NetworkPolicy: obj({
    metadata,
    spec: obj({
      podSelector: labelSelector,
      policyTypes: strings,
      ingress: arr(obj({ from: arr(npPeer), ports: npPorts })),
      egress: arr(obj({ to: arr(npPeer), ports: npPorts })),
    }),
  }),
  AdminNetworkPolicy: adminPolicy,
  BaselineAdminNetworkPolicy: adminPolicy,
  AuthorizationPolicy: obj({
    metadata,
    spec: obj({
      selector: labelSelector,
      targetRef,
      targetRefs: arr(targetRef),
      action: str,
      provider: obj({ name: str }),
      rules: arr(
        obj({
          from: arr(obj({ source: obj(withNot(SOURCE_FIELDS)) })),
          to: arr(obj({ operation: obj(withNot(OPERATION_FIELDS)) })),
          when: arr(obj({ key: str, values: strings, notValues: strings })),
        }),
      ),
    }),
    status: obj({ conditions }),
  }),
  PeerAuthentication: obj({
    metadata,
    spec: obj({ selector: labelSelector, mtls: obj({ mode: str }), portLevelMtls: mapOf(obj({ mode: str })) }),
  }),
  ServiceEntry: obj({
    metadata,
    spec: obj({
      hosts: strings,
      addresses: strings,
      ports: arr(obj({ number: int, name: str, protocol: str, targetPort: int })),
      location: str,
      resolution: str,
    }),
    status: obj({ addresses: arr(obj({ value: str })), conditions }),
  }),
  Sidecar: obj({ metadata, spec: obj({ workloadSelector: obj({ labels: mapOf(scalar) }) }) }),
  Gateway: obj({
    metadata,
    spec: obj({
      gatewayClassName: str,
      listeners: arr(
        obj({
          name: str,
          port: int,
          protocol: str,
          allowedRoutes: obj({ namespaces: obj({ from: str, selector: labelSelector }) }),
        }),
      ),
    }),
    status: obj({ addresses: arr(obj({ value: str })), conditions }),
  }),
  GatewayClass: obj({ metadata, spec: obj({ controllerName: str }) }),
  ConfigMap: obj({ metadata, data: mapOf(scalar) }),
};

// The schemas are ours and fixed: checking them against the meta-schema would only cost start-up time.
// Start-up matters more than the last percent of checking speed: no code optimisation pass and no
// message texts (problem() words the errors itself) cut the cold compile by about a third.
const ajv = new Ajv({
  allErrors: false,
  strict: false,
  validateSchema: false,
  messages: false,
  code: { optimize: false },
});
const compiled = new Map<string, ValidateFunction>();

function validatorFor(kind: string): ValidateFunction | undefined {
  const shape = SHAPES[kind];
  if (!shape) return undefined;
  let v = compiled.get(kind);
  if (!v) compiled.set(kind, (v = ajv.compile(shape)));
  return v;
}

/** `spec.containers[0]` from Ajv's `/spec/containers/0`. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  null: 'empty',
};

function problem(e: ErrorObject, value: unknown): string {
  if (value === null) return 'is null';
  if (e.keyword !== 'type') return e.message ?? 'is not valid';
  const want = String(e.params.type)
    .split(',')
    .map((t) => TYPE_WORDS[t] ?? t)
    .join(' or ');
  return `must be ${want}, not ${describe(value)}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return JSON.stringify(value)?.slice(0, 40) ?? String(value);
}

function valueAt(object: unknown, instancePath: string): unknown {
  let v: any = object;
  for (const part of instancePath.split('/').slice(1)) v = v?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  return v;
}

/**
 * `field: null` means the field is absent, as the API server decodes it (kubectl prints
 * `creationTimestamp: null`; `podSelector:` with nothing after it is null). Removed in place, with
 * a loop: nesting depth is the input's to choose. A null *item* of a list stays, and is an error.
 */
export function dropNullFields(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (o[k] === null) delete o[k];
      else stack.push(o[k]);
    }
  }
}

/**
 * Why `object` cannot be read as its kind, or undefined when its shape is fine (or its kind
 * unknown). Null fields are dropped first (see dropNullFields).
 */
export function shapeProblem(object: { kind?: unknown; metadata?: any }): string | undefined {
  dropNullFields(object);
  const validate = validatorFor(String(object.kind));
  if (!validate || (validate as (data: unknown) => boolean)(object)) return undefined;
  const e = validate.errors![0];
  const m = object.metadata && typeof object.metadata === 'object' ? object.metadata : {};
  const name =
    typeof m.name === 'string' ? (typeof m.namespace === 'string' ? `${m.namespace}/${m.name}` : m.name) : '?';
  const field = fieldPath(e.instancePath) || 'the object';
  return `${String(object.kind)} ${name}: ${field} ${problem(e, valueAt(object, e.instancePath))}`;
}

// ztunnel's /config_dump (src/admin.rs `ConfigDump`): only the fields the evidence reads, with the
// types ztunnel's serde writes. Other fields and unknown ones pass.
const gatewayAddress = obj({ destination: str });
const CONFIG_DUMP: Schema = {
  ...obj({
    workloads: arr(
      obj({
        workloadIps: strings,
        name: str,
        namespace: str,
        node: str,
        protocol: str,
        waypoint: gatewayAddress,
        authorizationPolicies: strings,
      }),
    ),
    services: arr(obj({ hostname: str, vips: strings, waypoint: gatewayAddress })),
    policies: arr(obj({ name: str, namespace: str, scope: str, action: str })),
    certificates: arr(obj({ identity: str, state: str, certChain: arr(obj({ expirationTime: str })) })),
    version: obj({ istioVersion: str }),
    config: obj({ localNode: str }),
  }),
  required: ['workloads'],
};

/** Why a parsed document is not a ztunnel config dump, or undefined when it is one. */
export function configDumpProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  dropNullFields(value);
  let validate = compiled.get('ztunnel-config-dump');
  if (!validate) compiled.set('ztunnel-config-dump', (validate = ajv.compile(CONFIG_DUMP)));
  if ((validate as (data: unknown) => boolean)(value)) return undefined;
  const e = validate.errors![0];
  if (e.keyword === 'required') return 'no "workloads" list';
  return `${fieldPath(e.instancePath) || 'the document'} ${problem(e, valueAt(value, e.instancePath))}`;
}
