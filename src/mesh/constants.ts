// Every label, annotation, port and address the semantics rely on, named once.
// The section numbers refer to the project's specification, docs/spec.md.

/** §1.1: enrolment label on Pod or Namespace; only `ambient` and `none` mean anything. */
export const LABEL_DATAPLANE_MODE = 'istio.io/dataplane-mode';
/** §6.2: set on a waypoint's pods by the Gateway controller. */
export const LABEL_GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';
/** On the objects istiod deploys for a Gateway: which controller manages them. */
export const LABEL_GATEWAY_MANAGED = 'gateway.istio.io/managed';
export const MESH_CONTROLLER_LABEL = 'istio.io-mesh-controller';
export const EAST_WEST_CONTROLLER_LABEL = 'istio.io-eastwest-controller';
export const DATAPLANE_AMBIENT = 'ambient';
export const DATAPLANE_NONE = 'none';

/** §1.2: sidecar injection signals. */
export const ANNOTATION_SIDECAR_STATUS = 'sidecar.istio.io/status';
export const LABEL_SIDECAR_INJECT = 'sidecar.istio.io/inject';
export const LABEL_ISTIO_INJECTION = 'istio-injection';
export const LABEL_ISTIO_REV = 'istio.io/rev';

/** §1.3: written by istio-cni; `enabled` is the only value that means captured. */
export const ANNOTATION_REDIRECTION = 'ambient.istio.io/redirection';
/** §1.5 */
export const ANNOTATION_BYPASS_INBOUND = 'ambient.istio.io/bypass-inbound-capture';

/** §2.1: ztunnel pods are found by label, not by name. */
export const ZTUNNEL_APP_LABEL = 'app';
/** §6.1: the GatewayClass istiod creates for waypoints (controller istio.io/mesh-controller). */
export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint';
export const ZTUNNEL_APP_VALUE = 'ztunnel';

/** §2.2, §8 */
export const HBONE_PORT = 15008;
/** §2.2: ports that exist only inside the pod netns; dialling them directly loops. */
export const ZTUNNEL_INPOD_PORTS = [15001, 15006, 15008, 15053, 15080];
/** §5: ztunnel's fixed HBONE connect timeout. */
export const ZTUNNEL_CONNECT_TIMEOUT_SECONDS = 10;

/** §7: kubelet probe SNAT addresses and the ConfigMap that can change them. */
export const DEFAULT_PROBE_SNAT_IPV4 = '169.254.7.127';
export const DEFAULT_PROBE_SNAT_IPV6 = 'fd16:9254:7127:1337:ffff:ffff:ffff:ffff';
export const CNI_CONFIGMAP = 'istio-cni-config';
export const CNI_KEY_PROBE_SNAT_IPV4 = 'HOST_PROBE_SNAT_IP';
export const CNI_KEY_PROBE_SNAT_IPV6 = 'HOST_PROBE_SNAT_IPV6';
/**
 * §1.1: the agent reads env EXCLUDE_NAMESPACES (viper key exclude-namespaces, cni/pkg/cmd/root.go),
 * filled from this ConfigMap key. Charts up to 1.25 wrote EXCLUDED_NAMESPACES instead, which nothing
 * reads (fixed in 1.26, istio/istio#55304): a ConfigMap without EXCLUDE_NAMESPACES excludes nothing.
 */
export const CNI_KEY_EXCLUDE_NAMESPACES = 'EXCLUDE_NAMESPACES';
/** §1.1: the chart's `excludeNamespaces` default, in effect from 1.26 (see above). */
export const DEFAULT_EXCLUDED_NAMESPACES = ['kube-system'];

/** §4.6 */
export const DEFAULT_ROOT_NAMESPACE = 'istio-system';
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';
export const MESH_CONFIGMAP_PREFIX = 'istio';

/** §4.4: dry-run annotation; enforced up to 1.28, dropped from 1.29. */
export const ANNOTATION_DRY_RUN = 'istio.io/dry-run';

/** §3.1: names istiod gives converted PeerAuthentication policies. */
export const STATIC_STRICT_POLICY = 'istio_converted_static_strict';
export const CONVERTED_PA_PREFIX = 'converted_peer_authentication_';

/** §6.3, §6.7: waypoint labels (waypoint paths are evaluated by a later version). */
export const LABEL_USE_WAYPOINT = 'istio.io/use-waypoint';
export const LABEL_USE_WAYPOINT_NAMESPACE = 'istio.io/use-waypoint-namespace';
export const LABEL_WAYPOINT_WRONG = 'istio.io/waypoint';

/** §10: a sidecar that terminates HBONE carries this label. */
export const LABEL_TUNNEL = 'networking.istio.io/tunnel';

/** Kubernetes adds this label to every namespace. */
export const LABEL_NAMESPACE_NAME = 'kubernetes.io/metadata.name';

/** §1.5, §9: per-pod override of istio-cni DNS capture. */
export const ANNOTATION_DNS_CAPTURE = 'ambient.istio.io/dns-capture';

/** §6.6: on a Service or Namespace, Istio ingress gateways send to its waypoint. */
export const LABEL_INGRESS_USE_WAYPOINT = 'istio.io/ingress-use-waypoint';
