package main

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one scenario's measurement, written as JSON by run.
type Result struct {
	Label      string  `json:"label"`
	Target     string  `json:"target"`
	System     string  `json:"system"`
	Scenario   string  `json:"scenario"`
	Conns      int     `json:"conns"`
	Requests   int64   `json:"requests"`
	Errors     int64   `json:"errors"`
	Verified   int64   `json:"verified"`
	Seconds    float64 `json:"seconds"`
	RPS        float64 `json:"rps"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	CPUPer1k   float64 `json:"cpu_s_per_1k"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	FirstError string  `json:"first_error,omitempty"`
	Distinct   bool    `json:"distinct"`
	Rate       float64 `json:"rate,omitempty"` // offered requests/s; 0 for a closed loop
	// Runs is the number of back-to-back measurements (-runs); the figures
	// above are those of the median run by throughput, and RunRPS and
	// RunP99ms list every run's.
	Runs        int       `json:"runs,omitempty"`
	RunRPS      []float64 `json:"run_rps,omitempty"`
	RunP99ms    []float64 `json:"run_p99_ms,omitempty"`
	RequestFile string    `json:"-"`
}

func cmdRun(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	target := fs.String("target", "http://127.0.0.1:4577", "server base URL (http or https)")
	caFile := fs.String("ca", "", "PEM CA for an https target")
	reqFile := fs.String("requests", "", "request file from prepare")
	conns := fs.Int("c", 16, "keep-alive connections")
	dur := fs.Duration("d", 10*time.Second, "duration")
	warm := fs.Duration("warmup", time.Second, "warm-up before measuring (not with -distinct, which would use up requests)")
	warmFile := fs.String("warmup-requests", "", "request file replayed once, each request at most once, before measuring: the warm-up of a -distinct run (its own tokens, never counted)")
	distinct := fs.Bool("distinct", false, "use each request at most once (stop when all are used)")
	rate := fs.Float64("rate", 0, "offered load in requests/s across all connections (0: each connection sends as soon as its previous answer arrives); latency is measured from each request's scheduled time, so a server that falls behind is charged for the wait")
	expect := fs.String("expect", "", "substring every verified response body must contain")
	sample := fs.Int("sample", 97, "verify every Nth response body")
	pid := fs.Int("pid", 0, "server process ID (CPU and peak RSS come from /proc)")
	label := fs.String("label", "", "label of this run")
	system := fs.String("system", "trustbridge", "system under test (trustbridge, moto, minio)")
	scenario := fs.String("scenario", "", "scenario name for the report")
	out := fs.String("out", "", "write the JSON result here too")
	runs := fs.Int("runs", 1, "measure this many times back to back (after one warm-up) and report the median run by throughput, with every run's figures: the machine's speed swings from one minute to the next")
	_ = fs.Parse(args)
	if *runs < 1 || *runs > 1 && *distinct {
		return errors.New("-runs must be at least 1, and 1 with -distinct (each request is used once)")
	}

	reqs, err := loadRequests(*reqFile, *target)
	if err != nil {
		return err
	}
	if len(reqs) == 0 {
		return errors.New("no requests")
	}
	u, err := url.Parse(*target)
	if err != nil {
		return err
	}
	var tlsConf *tls.Config
	if u.Scheme == "https" {
		tlsConf = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
		if *caFile != "" {
			pem, err := os.ReadFile(*caFile)
			if err != nil {
				return err
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			tlsConf.RootCAs = pool
		}
	}
	host := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			host += ":443"
		} else {
			host += ":80"
		}
	}
	res := &Result{Label: *label, Target: *target, System: *system, Scenario: *scenario, Conns: *conns, Distinct: *distinct, Rate: *rate}
	if *warmFile != "" {
		wreqs, err := loadRequests(*warmFile, *target)
		if err != nil {
			return err
		}
		run(host, tlsConf, wreqs, *conns, time.Minute, true, 0, "", 0, nil)
	}
	if *warm > 0 && !*distinct {
		run(host, tlsConf, reqs, *conns, *warm, false, *rate, "", 0, nil)
	}
	var all []*Result
	var totalReq, totalErr int64
	firstErr := ""
	for range *runs {
		r := *res
		measure(&r, host, tlsConf, reqs, *conns, *dur, *distinct, *rate, *expect, *sample, *pid)
		all = append(all, &r)
		totalReq += r.Requests
		totalErr += r.Errors
		if firstErr == "" {
			firstErr = r.FirstError
		}
	}
	sorted := slices.Clone(all)
	slices.SortStableFunc(sorted, func(a, b *Result) int { return cmp.Compare(a.RPS, b.RPS) })
	res = sorted[len(sorted)/2]
	// Errors count over every run, so one bad run is never hidden by the
	// median.
	res.Errors, res.FirstError = totalErr, firstErr
	if *runs > 1 {
		res.Runs = *runs
		for _, r := range all {
			res.RunRPS = append(res.RunRPS, math.Round(r.RPS))
			res.RunP99ms = append(res.RunP99ms, math.Round(r.P99ms*100)/100)
		}
		fmt.Fprintf(os.Stderr, "    median of %d runs: %.0f req/s, p99 %.2f ms\n", res.Runs, res.RPS, res.P99ms)
	}
	if res.FirstError != "" {
		fmt.Fprintf(os.Stderr, "    first error: %.200s\n", res.FirstError)
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(b))
	if *out != "" {
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
	}
	if totalReq == 0 || totalErr > totalReq/100 {
		return fmt.Errorf("%s: %d errors in %d requests (first: %s)", *label, totalErr, totalReq, res.FirstError)
	}
	return nil
}

// measure runs one measurement into res: requests, errors, throughput,
// latency percentiles, and the server's CPU per request and peak RSS.
func measure(res *Result, host string, tlsConf *tls.Config, reqs [][]byte, conns int, d time.Duration, distinct bool, rate float64, expect string, sample, pid int) {
	cpu0 := procCPU(pid)
	lat := run(host, tlsConf, reqs, conns, d, distinct, rate, expect, sample, res)
	cpu1 := procCPU(pid)
	sort.Float64s(lat)
	if n := len(lat); n > 0 {
		res.P50ms = lat[n/2] * 1000
		res.P99ms = lat[n*99/100] * 1000
	}
	if res.Seconds > 0 {
		res.RPS = float64(res.Requests) / res.Seconds
	}
	if pid > 0 && res.Requests > 0 {
		res.CPUPer1k = (cpu1 - cpu0) / float64(res.Requests) * 1000
		res.PeakRSSMB = procPeakRSS(pid)
	}
	fmt.Fprintf(os.Stderr, "    %s on %s: %d requests (%d verified, %d errors) in %.1f s: %.0f req/s, p50 %.2f ms, p99 %.2f ms\n",
		res.Scenario, res.System, res.Requests, res.Verified, res.Errors, res.Seconds, res.RPS, res.P50ms, res.P99ms)
}

// loadRequests reads a request file and serializes each request to the
// raw HTTP/1.1 bytes sent on the wire.
func loadRequests(path, target string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	for {
		var p prepared
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", p.Method, p.Path, u.Host)
		for k, v := range p.Header {
			if strings.EqualFold(k, "Host") || strings.EqualFold(k, "Content-Length") {
				continue
			}
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(p.Body), p.Body)
		out = append(out, b.Bytes())
	}
	return out, nil
}

// run drives conns connections for d (or until every request was used, when
// distinct) and returns the latencies in seconds. res may be nil (warm-up).
//
// With rate > 0 the load is open: connection c sends its requests at
// start + (c/conns + k) × conns/rate, and a request's latency runs from that
// scheduled time, not from when it was written (no coordinated omission).
func run(host string, tlsConf *tls.Config, reqs [][]byte, conns int, d time.Duration, distinct bool, rate float64, expect string, sample int, res *Result) []float64 {
	var next, count, errs, verified int64
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	lats := make([][]float64, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			var conn net.Conn
			var br *bufio.Reader
			dial := func() error {
				var err error
				if tlsConf != nil {
					conn, err = tls.Dial("tcp", host, tlsConf)
				} else {
					conn, err = net.Dial("tcp", host)
				}
				if err == nil {
					br = bufio.NewReaderSize(conn, 64<<10)
					// One deadline for the connection's life: setting it per
					// request costs the generator a timer update each time.
					err = conn.SetDeadline(deadline.Add(30 * time.Second))
				}
				return err
			}
			fail := func(err error) {
				atomic.AddInt64(&errs, 1)
				firstErr.CompareAndSwap(nil, err.Error())
				if conn != nil {
					conn.Close()
					conn = nil
				}
			}
			var interval time.Duration
			var due time.Time
			if rate > 0 {
				interval = time.Duration(float64(conns) / rate * float64(time.Second))
				due = start.Add(interval * time.Duration(c) / time.Duration(conns))
			}
			local := make([]float64, 0, 1<<18)
			var bodyBuf []byte // reused: the generator's own garbage would show up in its latencies
			for time.Now().Before(deadline) {
				i := atomic.AddInt64(&next, 1) - 1
				if distinct && i >= int64(len(reqs)) {
					break
				}
				req := reqs[int(i%int64(len(reqs)))]
				if conn == nil {
					if err := dial(); err != nil {
						fail(err)
						time.Sleep(10 * time.Millisecond)
						continue
					}
				}
				t0 := time.Now()
				if interval > 0 {
					if wait := due.Sub(t0); wait > 0 {
						time.Sleep(wait)
					}
					t0 = due
					due = due.Add(interval)
				}
				if _, err := conn.Write(req); err != nil {
					fail(err)
					continue
				}
				status, body, closeAfter, err := readResponse(br, &bodyBuf)
				lat := time.Since(t0).Seconds()
				if err != nil {
					fail(err)
					continue
				}
				if closeAfter {
					conn.Close()
					conn = nil
				}
				atomic.AddInt64(&count, 1)
				local = append(local, lat)
				if status != 200 {
					fail(fmt.Errorf("status %d: %.300s", status, body))
					continue
				}
				if res != nil && sample > 0 && i%int64(sample) == 0 {
					if expect != "" && !bytes.Contains(body, []byte(expect)) {
						fail(fmt.Errorf("response lacks %q: %.300s", expect, body))
						continue
					}
					atomic.AddInt64(&verified, 1)
				}
			}
			if conn != nil {
				conn.Close()
			}
			lats[c] = local
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	var all []float64
	for _, l := range lats {
		all = append(all, l...)
	}
	if res != nil {
		res.Requests = count
		res.Errors = errs
		res.Verified = verified
		res.Seconds = elapsed
		if v := firstErr.Load(); v != nil {
			res.FirstError = v.(string)
		}
	}
	return all
}

// readResponse reads one HTTP/1.1 response with a Content-Length or chunked body.
//
// closeAfter reports a "Connection: close" response: the caller must dial again.
// The body is read into *buf (grown as needed) and is valid until the next
// call with the same buffer.
func readResponse(br *bufio.Reader, buf *[]byte) (status int, body []byte, closeAfter bool, err error) {
	return readResponse1(br, buf)
}

func readResponse1(br *bufio.Reader, buf *[]byte) (int, []byte, bool, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, err
	}
	if len(line) < 12 {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	chunked := false
	closing := false
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, err
		}
		if len(h) <= 2 {
			break
		}
		if len(h) > 16 && (h[0] == 'C' || h[0] == 'c') && strings.EqualFold(string(h[:15]), "content-length:") {
			length, _ = strconv.Atoi(strings.TrimSpace(string(h[15:])))
		} else if (h[0] == 'C' || h[0] == 'c') && strings.HasPrefix(strings.ToLower(string(h)), "connection:") && strings.Contains(strings.ToLower(string(h)), "close") {
			closing = true
		} else if (h[0] == 'T' || h[0] == 't') && strings.HasPrefix(strings.ToLower(string(h)), "transfer-encoding:") && strings.Contains(strings.ToLower(string(h)), "chunked") {
			chunked = true
		}
	}
	if chunked {
		var body []byte
		for {
			szLine, err := br.ReadString('\n')
			if err != nil {
				return 0, nil, false, err
			}
			sz, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(szLine, ";", 2)[0]), 16, 64)
			if err != nil {
				return 0, nil, false, err
			}
			if sz == 0 {
				_, _ = br.ReadString('\n')
				return status, body, closing, nil
			}
			chunk := make([]byte, sz+2)
			if _, err := io.ReadFull(br, chunk); err != nil {
				return 0, nil, false, err
			}
			body = append(body, chunk[:sz]...)
		}
	}
	if length < 0 {
		return 0, nil, false, errors.New("response without Content-Length")
	}
	if cap(*buf) < length {
		*buf = make([]byte, length)
	}
	body := (*buf)[:length]
	_, err = io.ReadFull(br, body)
	return status, body, closing, err
}

// procCPU returns the user+system CPU seconds of pid and its children
// that were waited for, from /proc.
func procCPU(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 15 {
		return 0
	}
	var total float64
	for _, i := range []int{11, 12, 13, 14} { // utime stime cutime cstime
		v, _ := strconv.ParseFloat(f[i], 64)
		total += v
	}
	return total / 100 // USER_HZ
}

// procPeakRSS returns VmHWM of pid in MB.
func procPeakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
