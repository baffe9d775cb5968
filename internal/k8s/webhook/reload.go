package webhook

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// fileStamp identifies a version of a file well enough to notice a rotation.
type fileStamp struct {
	size    int64
	modTime time.Time
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{size: fi.Size(), modTime: fi.ModTime()}, nil
}

// certReloader serves a certificate pair from disk and reloads it when the
// files change.
type certReloader struct {
	certFile, keyFile string
	interval          time.Duration // <0: never reload
	log               *slog.Logger
	now               func() time.Time

	mu        sync.Mutex // guards the fields below
	cert      *tls.Certificate
	certStamp fileStamp
	keyStamp  fileStamp
	checked   time.Time
	failed    [2]fileStamp // stamps of the last failed reload, to log once
}

func newCertReloader(certFile, keyFile string, interval time.Duration, log *slog.Logger) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile, interval: interval, log: log, now: time.Now}
	cs, ks, cert, err := c.load()
	if err != nil {
		return nil, err
	}
	c.cert, c.certStamp, c.keyStamp, c.checked = cert, cs, ks, c.now()
	return c, nil
}

func (c *certReloader) load() (fileStamp, fileStamp, *tls.Certificate, error) {
	cs, err := stampOf(c.certFile)
	if err != nil {
		return fileStamp{}, fileStamp{}, nil, fmt.Errorf("webhook server: tls certificate: %w", err)
	}
	ks, err := stampOf(c.keyFile)
	if err != nil {
		return fileStamp{}, fileStamp{}, nil, fmt.Errorf("webhook server: tls key: %w", err)
	}
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		// LoadX509KeyPair's errors describe the PEM structure, never
		// key material.
		return fileStamp{}, fileStamp{}, nil, fmt.Errorf("webhook server: load tls key pair %s: %w", c.certFile, err)
	}
	return cs, ks, &pair, nil
}

// GetCertificate implements tls.Config.GetCertificate.
func (c *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.interval < 0 {
		return c.cert, nil
	}
	now := c.now()
	if now.Sub(c.checked) < c.interval {
		return c.cert, nil
	}
	c.checked = now
	cs, err1 := stampOf(c.certFile)
	ks, err2 := stampOf(c.keyFile)
	if err1 != nil || err2 != nil || (cs == c.certStamp && ks == c.keyStamp) {
		// A file that disappeared mid-rotation: keep serving the old pair.
		return c.cert, nil
	}
	lcs, lks, cert, err := c.load()
	if err != nil {
		// A rotation writes the two files one after the other; a pair
		// that does not match yet is retried at the next check.
		if c.failed != [2]fileStamp{cs, ks} {
			c.failed = [2]fileStamp{cs, ks}
			c.log.Warn("webhook server: reloading the tls certificate failed; serving the previous one", "err", err)
		}
		return c.cert, nil
	}
	c.cert, c.certStamp, c.keyStamp = cert, lcs, lks
	c.log.Info("webhook server: tls certificate reloaded", "cert", c.certFile)
	return c.cert, nil
}
