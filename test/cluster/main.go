// k8s-testenv: embedded etcd and kube-apiserver in one process, for the live tests.
// It writes a kubeconfig (contexts: testenv = admin, viewer = a user with no rights of its
// own) and prints "READY <kubeconfig>" on stdout once /readyz answers.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8s-testenv:", err)
		os.Exit(1)
	}
}

func writePEM(path, kind string, der []byte) {
	check(os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600))
}

// sign issues a certificate for tmpl, signed by parent (self-signed when parent is nil).
func sign(tmpl *x509.Certificate, parent *x509.Certificate, parentKey *rsa.PrivateKey) (*x509.Certificate, *rsa.PrivateKey, []byte) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	check(err)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	check(err)
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(48 * time.Hour)
	issuer, issuerKey := tmpl, key
	if parent != nil {
		issuer, issuerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, issuerKey)
	check(err)
	cert, err := x509.ParseCertificate(der)
	check(err)
	return cert, key, der
}

func main() {
	dir := flag.String("dir", "", "working directory (certificates, etcd data, kubeconfig)")
	port := flag.Int("port", 16443, "kube-apiserver secure port")
	etcdPort := flag.Int("etcd-port", 12379, "etcd client port; the peer port is this plus one")
	flag.Parse()
	if *dir == "" {
		check(fmt.Errorf("--dir is required"))
	}
	check(os.MkdirAll(*dir, 0o700))
	path := func(name string) string { return filepath.Join(*dir, name) }

	ca, caKey, caDER := sign(&x509.Certificate{
		Subject: pkix.Name{CommonName: "k8s-testenv-ca"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil, nil)
	writePEM(path("ca.crt"), "CERTIFICATE", caDER)
	_, servingKey, servingDER := sign(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"localhost", "kubernetes.default.svc"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}, ca, caKey)
	writePEM(path("serving.crt"), "CERTIFICATE", servingDER)
	writePEM(path("serving.key"), "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(servingKey))
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	check(err)
	writePEM(path("sa.key"), "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(saKey))
	tokens := "admin-token,admin,admin,\"system:masters\"\nviewer-token,viewer,viewer\nreader-token,reader,reader\n"
	check(os.WriteFile(path("tokens.csv"), []byte(tokens), 0o600))

	cfg := embed.NewConfig()
	cfg.Dir = path("etcd")
	cfg.Name = "k8s-testenv"
	cfg.LogLevel = "error"
	cfg.UnsafeNoFsync = true
	clientURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", *etcdPort))
	peerURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", *etcdPort+1))
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*clientURL}, []url.URL{*clientURL}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*peerURL}, []url.URL{*peerURL}
	cfg.InitialCluster = cfg.Name + "=" + peerURL.String()
	etcd, err := embed.StartEtcd(cfg)
	check(err)
	defer etcd.Close()
	select {
	case <-etcd.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		check(fmt.Errorf("etcd did not become ready"))
	}

	server := fmt.Sprintf("https://127.0.0.1:%d", *port)
	kubeconfig := clientcmdapi.NewConfig()
	kubeconfig.Clusters["testenv"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})}
	for _, user := range []string{"admin", "viewer", "reader"} {
		kubeconfig.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: user + "-token"}
	}
	kubeconfig.Contexts["testenv"] = &clientcmdapi.Context{Cluster: "testenv", AuthInfo: "admin", Namespace: "default"}
	kubeconfig.Contexts["viewer"] = &clientcmdapi.Context{Cluster: "testenv", AuthInfo: "viewer", Namespace: "default"}
	kubeconfig.Contexts["reader"] = &clientcmdapi.Context{Cluster: "testenv", AuthInfo: "reader", Namespace: "default"}
	kubeconfig.CurrentContext = "testenv"

	go func() {
		pool := x509.NewCertPool()
		pool.AddCert(ca)
		client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
			req, _ := http.NewRequest(http.MethodGet, server+"/readyz", nil)
			req.Header.Set("Authorization", "Bearer admin-token")
			if res, err := client.Do(req); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					check(clientcmd.WriteToFile(*kubeconfig, path("kubeconfig")))
					fmt.Println("READY", path("kubeconfig"))
					return
				}
			}
		}
		check(fmt.Errorf("kube-apiserver did not become ready"))
	}()

	cmd := apiserver.NewAPIServerCommand()
	cmd.SetArgs([]string{
		"--etcd-servers=" + clientURL.String(),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", *port),
		"--cert-dir=" + path("certs"),
		"--tls-cert-file=" + path("serving.crt"), "--tls-private-key-file=" + path("serving.key"),
		"--client-ca-file=" + path("ca.crt"), "--token-auth-file=" + path("tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + path("sa.key"), "--service-account-signing-key-file=" + path("sa.key"),
		"--service-cluster-ip-range=10.96.0.0/16", "--allow-privileged=true", "--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
		"--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
	})
	code := cli.Run(cmd)
	etcd.Close()
	os.Exit(code)
}
