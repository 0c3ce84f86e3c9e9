package training

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Upstream timeouts of the front, nginx's proxy_connect_timeout and
// proxy_read_timeout shortened for the lab.
const (
	upstreamConnectTimeout = time.Second
	upstreamReadTimeout    = 5 * time.Second
)

// front is the lab's nginx: a reverse proxy to the application on a plain
// and a TLS port, with nginx's stub_status page and an nginx-format error
// log written when the upstream fails, so the real nginx probe reads it.
type front struct {
	upstream *url.URL
	logPath  string
	cert     atomic.Pointer[tls.Certificate]
	proxy    *httputil.ReverseProxy
	tr       *http.Transport
	pid      int

	logMu sync.Mutex
	log   *os.File

	active, accepts, requests, writing atomic.Int64
	connSeq                            atomic.Int64

	servers []*http.Server
	served  []chan struct{}
	// Addr and TLSAddr are where it listens (127.0.0.1:port).
	Addr, TLSAddr string
}

// startFront serves the proxy to upstream on two loopback ports, logging
// upstream failures to logPath.
func startFront(upstream string, logPath string, cert tls.Certificate) (*front, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, fmt.Errorf("nginx upstream: %w", err)
	}
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("nginx error log: %w", err)
	}
	f := &front{upstream: u, logPath: logPath, log: lf, pid: os.Getpid()}
	f.cert.Store(&cert)
	f.tr = &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: upstreamConnectTimeout}).DialContext,
		ResponseHeaderTimeout: upstreamReadTimeout,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       30 * time.Second,
	}
	f.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.SetXForwarded()
		},
		Transport:    f.tr,
		ErrorHandler: f.upstreamError,
		ErrorLog:     log.New(io.Discard, "", 0),
	}
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.close()
		return nil, fmt.Errorf("nginx listen: %w", err)
	}
	f.Addr = plain.Addr().String()
	f.start(plain, nil)
	secure, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.close()
		return nil, fmt.Errorf("nginx listen tls: %w", err)
	}
	f.TLSAddr = secure.Addr().String()
	f.start(secure, &tls.Config{MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return f.cert.Load(), nil }})
	return f, nil
}

func (f *front) start(l net.Listener, tc *tls.Config) {
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 5 * time.Second, TLSConfig: tc,
		ConnState: f.connState, ErrorLog: log.New(io.Discard, "", 0)}
	done := make(chan struct{})
	f.servers = append(f.servers, srv)
	f.served = append(f.served, done)
	go func() {
		defer close(done)
		if tc != nil {
			_ = srv.ServeTLS(l, "", "")
			return
		}
		_ = srv.Serve(l)
	}()
}

// setCert swaps the certificate the TLS port presents from the next handshake.
func (f *front) setCert(c tls.Certificate) { f.cert.Store(&c) }

func (f *front) connState(_ net.Conn, st http.ConnState) {
	switch st {
	case http.StateNew:
		f.accepts.Add(1)
		f.active.Add(1)
	case http.StateClosed, http.StateHijacked:
		f.active.Add(-1)
	}
}

// ServeHTTP answers stub_status itself and proxies the rest.
func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	f.writing.Add(1)
	defer f.writing.Add(-1)
	if r.URL.Path == "/nginx_status" {
		f.stubStatus(w)
		return
	}
	w.Header().Set("Server", "nginx/1.22.1")
	f.proxy.ServeHTTP(w, r)
}

// stubStatus writes nginx's stub_status page.
func (f *front) stubStatus(w http.ResponseWriter) {
	active, writing := f.active.Load(), f.writing.Load()
	acc := f.accepts.Load()
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "Active connections: %d \nserver accepts handled requests\n %d %d %d \nReading: 0 Writing: %d Waiting: %d \n",
		active, acc, acc, f.requests.Load(), writing, max(active-writing, 0))
}

// upstreamError answers as nginx does when the upstream fails, and logs the
// line nginx would write.
func (f *front) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		w.WriteHeader(499) // nginx's "client closed request"; nginx logs it at info level only
		return
	}
	what, code := upstreamFailure(err)
	f.logLine(r, what)
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(code)
	title := fmt.Sprintf("%d %s", code, http.StatusText(code))
	fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n", title, title)
}

// upstreamFailure is nginx's wording of a proxy error and the status it answers.
func upstreamFailure(err error) (string, int) {
	var op *net.OpError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connect() failed (111: Connection refused) while connecting to upstream", http.StatusBadGateway
	case errors.As(err, &op) && op.Op == "dial" && op.Timeout():
		return "upstream timed out (110: Connection timed out) while connecting to upstream", http.StatusGatewayTimeout
	case errors.As(err, &ne) && ne.Timeout():
		return "upstream timed out (110: Connection timed out) while reading response header from upstream", http.StatusGatewayTimeout
	}
	return "upstream prematurely closed connection while reading response header from upstream", http.StatusBadGateway
}

// logLine appends one error-log line in nginx's format.
func (f *front) logLine(r *http.Request, what string) {
	client, _, _ := net.SplitHostPort(r.RemoteAddr)
	line := fmt.Sprintf("%s [error] %d#%d: *%d %s, client: %s, server: %s, request: \"%s %s %s\", upstream: \"%s%s\", host: \"%s\"\n",
		time.Now().Format("2006/01/02 15:04:05"), f.pid, f.pid, f.connSeq.Add(1), what, client, labName,
		r.Method, r.URL.RequestURI(), r.Proto, f.upstream.String(), r.URL.RequestURI(), r.Host)
	f.logMu.Lock()
	defer f.logMu.Unlock()
	if f.log != nil {
		_, _ = f.log.WriteString(line)
	}
}

// close stops both ports, drops upstream connections and closes the log.
func (f *front) close() {
	for i, srv := range f.servers {
		_ = srv.Close()
		<-f.served[i]
	}
	f.tr.CloseIdleConnections()
	f.logMu.Lock()
	defer f.logMu.Unlock()
	if f.log != nil {
		_ = f.log.Close()
		f.log = nil
	}
}
