package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/trustbridge/trustbridge/internal/heapfloor"
)

// floorBody is a GetCallerIdentity answer of the size trustbridge writes.
const floorBody = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><UserId>AIDABTXV5AHDTMZMFDFTA</UserId><Account>111111111111</Account><Arn>arn:aws:iam::111111111111:user/bench</Arn></GetCallerIdentityResult>
<ResponseMetadata>
<RequestId>c5b2e1f0-0000-4000-8000-000000000000</RequestId>
</ResponseMetadata>
</GetCallerIdentityResponse>
`

// floorSAR is an allowed SubjectAccessReview answer of the size trustbridge
// writes.
const floorSAR = `{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{},"status":{"allowed":true,"reason":"trustbridge: AmazonEKSViewPolicy (access entry arn:aws:iam::111111111111:user/bench)"}}
`

// cmdFloor serves a fixed GetCallerIdentity answer from Go's net/http with
// the timeouts trustbridge's edge uses, and no other work: the throughput
// this machine and load generator allow any Go HTTP server, against which
// trustbridge's own figures are read (make bench's "net/http floor" row).
func cmdFloor(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	answer := fs.String("answer", "gci", "fixed answer: gci (XML) or sar (JSON)")
	cert := fs.String("cert", "", "TLS certificate (PEM); with -key, serve HTTPS like the webhook server")
	key := fs.String("key", "", "TLS private key (PEM)")
	_ = fs.Parse(args)
	// The collector as trustbridge serve runs it (main raised GOGC for the
	// generator): Go's default under serve's default heap floor.
	debug.SetGCPercent(heapfloor.DefaultPercent)
	go (&heapfloor.Tuner{Floor: heapfloor.DefaultFloorMiB << 20}).Run(context.Background())
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	body, ctype := []byte(floorBody), "text/xml"
	if *answer == "sar" {
		body, ctype = []byte(floorSAR), "application/json"
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("x-amzn-RequestId", "c5b2e1f0-0000-4000-8000-000000000000")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
		}),
	}
	fmt.Fprintln(os.Stderr, "floor listening on", ln.Addr().String())
	if *cert != "" {
		return srv.ServeTLS(ln, *cert, *key)
	}
	return srv.Serve(ln)
}
