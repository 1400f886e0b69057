// xds asks a running istiod what it pushes to one proxy, posing as that proxy over the plaintext
// xDS port (unauthenticated there, pkg/security/authentication.go), and prints the resources as JSON.
// Used by test/live/xds-differential.test.ts (issue 26).
//
//	xds -addr 127.0.0.1:15010 -type ztunnel -ip 10.244.1.5 -pod ztunnel-a -ns istio-system
//	xds -addr ... -type waypoint -ip 10.244.2.99 -pod waypoint-x -ns hello -gateway waypoint -sa waypoint
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	// Registers every type istiod may send, for protojson.
	_ "github.com/cncf/xds/go/udpa/type/v1"
	_ "github.com/cncf/xds/go/xds/type/v3"
	_ "istio.io/istio/pilot/pkg/xds"
	_ "istio.io/istio/pkg/config/xds"
	_ "istio.io/istio/pkg/workloadapi"
	_ "istio.io/istio/pkg/workloadapi/security"
)

const (
	addressType  = "type.googleapis.com/istio.workload.Address"
	authzType    = "type.googleapis.com/istio.security.Authorization"
	listenerType = "type.googleapis.com/envoy.config.listener.v3.Listener"
	clusterType  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
)

func main() {
	addr := flag.String("addr", "", "istiod's plaintext xDS address")
	kind := flag.String("type", "ztunnel", "ztunnel, waypoint or sidecar")
	ip := flag.String("ip", "10.0.0.1", "the proxy's IP")
	pod := flag.String("pod", "proxy", "the proxy's pod name")
	ns := flag.String("ns", "istio-system", "the proxy's namespace")
	gateway := flag.String("gateway", "", "waypoint: the Gateway's name")
	sa := flag.String("sa", "default", "the proxy's service account")
	version := flag.String("version", "1.30.0", "ISTIO_VERSION the proxy claims")
	quiet := flag.Duration("quiet", 3*time.Second, "stop after this long without a response, before every type answered")
	flag.Parse()
	if err := run(*addr, *kind, *ip, *pod, *ns, *gateway, *sa, *version, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "xds:", err)
		os.Exit(1)
	}
}

// wait is how long to listen for more: istiod answers each type's first request whole, so once every
// type has answered, only what that answer makes istiod send next (none here) can follow.
func wait(seen map[string]bool, types []string, quiet time.Duration) time.Duration {
	for _, t := range types {
		if !seen[t] {
			return quiet
		}
	}
	return 150 * time.Millisecond
}

func run(addr, kind, ip, pod, ns, gateway, sa, version string, quiet time.Duration) error {
	nodeType := "sidecar"
	labels := map[string]any{}
	types := []string{listenerType, clusterType}
	switch kind {
	case "ztunnel":
		nodeType = "ztunnel"
		types = []string{addressType, authzType}
	case "waypoint":
		nodeType = "waypoint" // pkg/model/proxy.go: the waypoint node type (router with a label before)
		labels["gateway.networking.k8s.io/gateway-name"] = gateway
		labels["gateway.istio.io/managed"] = "istio.io-mesh-controller"
	case "sidecar":
	default:
		return fmt.Errorf("unknown -type %q", kind)
	}
	meta, err := structpb.NewStruct(map[string]any{
		"CLUSTER_ID":      "Kubernetes",
		"NAMESPACE":       ns,
		"NAME":            pod,
		"SERVICE_ACCOUNT": sa,
		"ISTIO_VERSION":   version,
		"LABELS":          labels,
		"INSTANCE_IPS":    ip,
	})
	if err != nil {
		return err
	}
	node := &core.Node{
		Id:       fmt.Sprintf("%s~%s~%s.%s~%s.svc.cluster.local", nodeType, ip, pod, ns, ns),
		Metadata: meta,
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(256<<20)))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stream, err := discovery.NewAggregatedDiscoveryServiceClient(conn).DeltaAggregatedResources(ctx)
	if err != nil {
		return err
	}
	for i, t := range types {
		req := &discovery.DeltaDiscoveryRequest{TypeUrl: t}
		if i == 0 {
			req.Node = node
		}
		if err := stream.Send(req); err != nil {
			return err
		}
	}
	out := map[string][]json.RawMessage{}
	responses := make(chan *discovery.DeltaDiscoveryResponse)
	failed := make(chan error, 1)
	go func() {
		for {
			r, err := stream.Recv()
			if err != nil {
				failed <- err
				return
			}
			responses <- r
		}
	}()
	seen := map[string]bool{}
	for {
		select {
		case r := <-responses:
			seen[r.TypeUrl] = true
			for _, res := range r.Resources {
				msg, err := res.Resource.UnmarshalNew()
				if err != nil {
					return fmt.Errorf("%s: %w", res.Name, err)
				}
				text, err := protojson.Marshal(msg)
				if err != nil {
					return err
				}
				out[r.TypeUrl] = append(out[r.TypeUrl], text)
			}
			// ACK, so that istiod sends what depends on it (clusters before listeners' routes).
			if err := stream.Send(&discovery.DeltaDiscoveryRequest{TypeUrl: r.TypeUrl, ResponseNonce: r.Nonce}); err != nil {
				return err
			}
		case err := <-failed:
			return err
		case <-time.After(wait(seen, types, quiet)):
			if len(seen) == 0 {
				continue
			}
			return json.NewEncoder(os.Stdout).Encode(out)
		}
	}
}
