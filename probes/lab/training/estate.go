package training

import (
	driver "github.com/go-sql-driver/mysql"

	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fivelayer/triage/config"
	"github.com/fivelayer/triage/probes/tlscert/certtest"
)

// labName is the name the lab's DNS answers and its certificates carry.
const labName = "invoice.lab"

// ConfigSource is the Source of the lab's config.
const ConfigSource = "triage lab (embedded training estate)"

// Estate is the running training estate: an invoice application, an nginx
// front with a TLS port and an error log, a DNS server and synthetic users,
// all on 127.0.0.1 in this process. Nothing needs to be installed.
type Estate struct {
	dir     string
	quit    chan struct{}
	ca      *certtest.CA
	good    tls.Certificate
	app     *invoiceApp
	port    *appPort
	front   *front
	dns     *dnsServer
	traffic *traffic
	cfg     *config.Config
	opts    Options
	data    *dataLayer
	inst    *instance
	exp     *exporter
	ctl     *control
	blocker *blocker // the lock-wait fault's session
	downed  string   // the pair member primary-down stopped

	mu     sync.Mutex
	active map[string]bool
	closed bool

	closeOnce sync.Once
}

// Options shape the estate.
type Options struct {
	// Exe is the argv prefix of the command that reaches the running lab's
	// control channel, which the guard's restart action and switchover
	// traffic hook run: default [this executable, "lab"], i.e. `triage lab`.
	Exe []string
	// NoData leaves MariaDB and Redis out, as on a machine without them.
	NoData bool
}

// Start brings the estate up on free loopback ports with the default
// options; its config is validated against ks (kinds.Registry), which the
// lab takes from its caller rather than linking every kind itself.
func Start(ctx context.Context, ks config.Kinds) (*Estate, error) {
	return StartWith(ctx, ks, Options{})
}

// StartWith brings the estate up on free loopback ports: the data layer
// (MariaDB pair and Redis, when installed) starts in parallel with the
// rest. Its config is validated against ks. The synthetic users stop when
// ctx ends; Close stops everything else.
func StartWith(ctx context.Context, ks config.Kinds, opts Options) (e *Estate, err error) {
	e = &Estate{quit: make(chan struct{}), active: map[string]bool{}, opts: opts, inst: newInstance()}
	defer func() {
		if err != nil {
			e.Close()
			e = nil
		}
	}()
	// The lab's own sessions are killed on purpose (the blocker, leaked
	// connections): the driver must not write about it over the screen.
	quietDriver.Do(func() { _ = driver.SetLogger(&driver.NopLogger{}) })
	if len(e.opts.Exe) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return e, fmt.Errorf("lab: %w", err)
		}
		e.opts.Exe = []string{exe, "lab"}
	}
	if e.dir, err = os.MkdirTemp("", "triage-lab-"); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	dataDone := make(chan *dataLayer, 1)
	if opts.NoData {
		dataDone <- &dataLayer{dbErr: errors.New("switched off (NoData)"), cacheErr: errors.New("switched off (NoData)")}
	} else {
		go func() { dataDone <- startData(e.dir) }()
	}
	// Whatever fails below, the data layer's servers are stopped by Close.
	defer func() {
		if e.data == nil {
			e.data = <-dataDone
		}
	}()
	if e.ca, err = certtest.NewCA("triage lab CA"); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if e.good, err = e.ca.Valid(90*24*time.Hour, labName, "127.0.0.1"); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if _, err = e.ca.WriteFile(e.dir); err != nil {
		return e, fmt.Errorf("lab: write CA: %w", err)
	}
	e.app = newInvoiceApp(e.quit)
	if e.port, err = startAppPort(e.app); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if e.front, err = startFront("http://"+e.port.Addr, e.ErrorLogPath(), e.good); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if e.dns, err = startDNS(labName, net.IPv4(127, 0, 0, 1)); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if e.exp, err = startExporter(e.inst); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	if e.ctl, err = startControl(e.ControlPath(), e.handle); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	e.data = <-dataDone
	if e.data.dbErr == nil {
		if err = e.app.store.point(dbPrimary, e.data.servers[dbPrimary]); err != nil {
			return e, fmt.Errorf("lab: %w", err)
		}
	}
	if e.data.cacheErr == nil {
		e.app.store.setCache(e.data.redis.Addr)
	}
	if err = e.writeDSNs(); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	yaml := e.configYAML()
	if e.cfg, err = config.Parse([]byte(yaml), ConfigSource, ks); err != nil {
		return e, fmt.Errorf("lab: its own config: %w", err)
	}
	if err = os.WriteFile(e.ConfigPath(), []byte(yaml), 0o600); err != nil {
		return e, fmt.Errorf("lab: %w", err)
	}
	e.traffic = startTraffic(ctx, "http://"+e.front.Addr)
	// The first users arrive before the screen opens, so the app's request
	// counters exist (Micrometer registers a series at its first request)
	// and the first round does not read "metric not exposed".
	for range 5 {
		e.traffic.one(ctx, "http://"+e.front.Addr)
	}
	return e, nil
}

// Close stops the users, every server and removes the temporary files. It
// returns once every goroutine the estate started has ended.
func (e *Estate) Close() {
	e.closeOnce.Do(func() {
		e.mu.Lock() // waits for a Toggle in progress
		e.closed = true
		e.mu.Unlock()
		close(e.quit)
		if e.traffic != nil {
			e.traffic.stop()
		}
		if e.front != nil {
			e.front.close()
		}
		if e.port != nil {
			e.port.close()
		}
		if e.app != nil {
			e.app.close()
		}
		if e.dns != nil {
			e.dns.close()
		}
		if e.ctl != nil {
			e.ctl.close()
		}
		if e.exp != nil {
			e.exp.close()
		}
		e.mu.Lock()
		if e.blocker != nil {
			_ = e.setLockWait(false)
		}
		e.mu.Unlock()
		e.inst.stopAll()
		if e.app != nil {
			e.app.store.close()
		}
		if e.data != nil {
			e.data.close()
		}
		if e.dir != "" {
			_ = os.RemoveAll(e.dir)
		}
	})
}

// Config is the estate's config, parsed and validated like any file.
func (e *Estate) Config() *config.Config { return e.cfg }

// AppAddr is invoice-api's address (its tcp probe's target).
func (e *Estate) AppAddr() string { return e.port.Addr }

// FrontURL is the nginx front's plain HTTP base URL.
func (e *Estate) FrontURL() string { return "http://" + e.front.Addr }

// TLSAddr is the nginx front's TLS address.
func (e *Estate) TLSAddr() string { return e.front.TLSAddr }

// DNSAddr is the lab resolver's UDP address.
func (e *Estate) DNSAddr() string { return e.dns.Addr }

// ErrorLogPath is the nginx front's error log.
func (e *Estate) ErrorLogPath() string { return filepath.Join(e.dir, "nginx-error.log") }

// CAPath is the PEM file of the CA that signs the lab's certificates.
func (e *Estate) CAPath() string { return filepath.Join(e.dir, "ca.pem") }

// quietDriver silences the MySQL driver's logger once (it is global).
var quietDriver sync.Once

// errClosed is returned by Toggle after Close.
var errClosed = errors.New("lab estate is closed")
