package training

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The invoice-api's connection pool and the latency its faults add.
const (
	poolName     = "HikariPool-1"
	poolMax      = 10
	poolWaitFor  = 250 * time.Millisecond // Hikari's connectionTimeout, shortened for the lab
	slowLatency  = 2 * time.Second
	breakerName  = "taxService"
	poolStarving = 6 // threads that wait for a connection besides live requests
)

// appFaults are the invoice-api's switches; handlers read them per request.
type appFaults struct {
	storm, pool, breaker, slow atomic.Bool
}

// invoiceApp is the lab's Spring Boot look-alike: business endpoints under
// /api, actuator health and Micrometer metrics. Its meters count the
// requests it really served, with the status and latency it really gave.
type invoiceApp struct {
	faults appFaults
	meters *meters
	store  *store          // the database and cache; never nil
	quit   <-chan struct{} // closed by Estate.Close: sleeping handlers return

	mu       sync.Mutex
	cond     *sync.Cond
	active   int  // handlers running
	closing  bool // no handler may start
	inflight int  // business requests holding a pool connection
	waiting  int  // business requests waiting for one
}

func newInvoiceApp(quit <-chan struct{}) *invoiceApp {
	a := &invoiceApp{meters: newMeters(), quit: quit, store: &store{}}
	a.cond = sync.NewCond(&a.mu)
	return a
}

// ServeHTTP routes; every handler is counted so Close can wait for them.
func (a *invoiceApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !a.enter() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer a.leave()
	switch {
	case r.URL.Path == "/actuator/prometheus":
		a.prometheus(w)
	case r.URL.Path == "/actuator/health":
		a.timed(w, r, "/actuator/health", a.health)
	case r.URL.Path == "/api/invoices":
		a.timed(w, r, "/api/invoices", a.invoices)
	case strings.HasPrefix(r.URL.Path, "/api/invoices/"):
		a.timed(w, r, "/api/invoices/{id}", a.invoice)
	default:
		a.timed(w, r, "NOT_FOUND", func(*http.Request) (int, string, any) {
			return http.StatusNotFound, "", springError(http.StatusNotFound, r.URL.Path)
		})
	}
}

func (a *invoiceApp) enter() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return false
	}
	a.active++
	return true
}

func (a *invoiceApp) leave() {
	a.mu.Lock()
	a.active--
	if a.active == 0 {
		a.cond.Broadcast()
	}
	a.mu.Unlock()
}

// close refuses new handlers and waits for the running ones (they return
// at once: quit is closed before).
func (a *invoiceApp) close() {
	a.mu.Lock()
	a.closing = true
	for a.active > 0 {
		a.cond.Wait()
	}
	a.mu.Unlock()
}

// timed runs h, writes its answer as JSON and counts it in the meters.
func (a *invoiceApp) timed(w http.ResponseWriter, r *http.Request, uri string, h func(*http.Request) (int, string, any)) {
	start := time.Now()
	code, exception, body := h(r)
	if r.Context().Err() != nil {
		return // the client left: Spring would log a broken pipe, not a request
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
	a.meters.observe(r.Method, uri, code, exception, time.Since(start))
}

// sleep waits d unless the request or the estate ends first.
func (a *invoiceApp) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-a.quit:
	}
	return false
}

// work is a normal request's time with its connection: mostly tens of
// milliseconds, sometimes a few hundred.
func (a *invoiceApp) work(ctx context.Context) bool {
	d := 5*time.Millisecond + rand.N(40*time.Millisecond)
	if rand.N(50) == 0 {
		d += 150*time.Millisecond + rand.N(250*time.Millisecond)
	}
	return a.sleep(ctx, d)
}

// withConnection runs a business request the way a pooled application does.
// With the lab's data layer, real runs the request's queries and cache
// calls on it; without one, fallback answers after a connection's usual
// time (the lab without MariaDB and Redis). A failed data call answers as
// Spring does, with its exception.
func (a *invoiceApp) withConnection(r *http.Request, fallback func() (int, any), real func(context.Context) (int, any, error)) (int, string, any) {
	if a.faults.storm.Load() {
		return http.StatusServiceUnavailable, "None", springError(http.StatusServiceUnavailable, r.URL.Path)
	}
	if a.faults.pool.Load() {
		a.adjust(&a.waiting, 1)
		a.sleep(r.Context(), poolWaitFor)
		a.adjust(&a.waiting, -1)
		body := springError(http.StatusInternalServerError, r.URL.Path)
		body["message"] = poolName + " - Connection is not available, request timed out after 250ms."
		return http.StatusInternalServerError, "SQLTransientConnectionException", body
	}
	var code int
	var body any
	if a.store.live() {
		var err error
		code, body, err = real(r.Context())
		if err != nil {
			return a.failed(r, err)
		}
	} else {
		a.adjust(&a.inflight, 1)
		a.work(r.Context())
		a.adjust(&a.inflight, -1)
		code, body = fallback()
	}
	if a.faults.slow.Load() {
		// The slow-app fault is a slow downstream call made after the
		// transaction: latency without holding a pool connection.
		a.sleep(r.Context(), slowLatency)
	}
	return code, "None", body
}

// failed answers a failed data call: the status and exception the
// application's error handler gives it.
func (a *invoiceApp) failed(r *http.Request, err error) (int, string, any) {
	if errors.Is(err, errNotFound) {
		return http.StatusNotFound, "None", springError(http.StatusNotFound, r.URL.Path)
	}
	re := &requestError{http.StatusInternalServerError, "DataAccessException", oneLine(err)}
	errors.As(err, &re)
	body := springError(re.code, r.URL.Path)
	body["message"] = re.message
	return re.code, re.exception, body
}

func (a *invoiceApp) adjust(n *int, d int) {
	a.mu.Lock()
	*n += d
	a.mu.Unlock()
}

// invoices lists (GET) or creates (POST) invoices. Creating one calls the
// tax service through the circuit breaker; while it is open the invoice is
// accepted with its tax pending (the fallback), so only the breaker's
// metric tells.
func (a *invoiceApp) invoices(r *http.Request) (int, string, any) {
	created := func(id any) (int, any) {
		if a.faults.breaker.Load() {
			return http.StatusAccepted, map[string]any{"id": id, "tax": "pending (taxService circuit open)"}
		}
		return http.StatusCreated, map[string]any{"id": id, "tax": "calculated"}
	}
	if r.Method == http.MethodPost {
		return a.withConnection(r, func() (int, any) { return created(rand.N(90000) + 10000) },
			func(ctx context.Context) (int, any, error) {
				id, err := a.store.createInvoice(ctx)
				code, body := created(id)
				return code, body, err
			})
	}
	return a.withConnection(r, func() (int, any) {
		return http.StatusOK, map[string]any{"invoices": []map[string]any{{"id": 4711, "total": 119.0}}, "page": 0}
	}, func(ctx context.Context) (int, any, error) {
		list, err := a.store.listInvoices(ctx)
		return http.StatusOK, map[string]any{"invoices": list, "page": 0}, err
	})
}

// invoice fetches one invoice: ids above 90000 do not exist (a little 404
// traffic, which is not an error rate).
func (a *invoiceApp) invoice(r *http.Request) (int, string, any) {
	id := strings.TrimPrefix(r.URL.Path, "/api/invoices/")
	return a.withConnection(r, func() (int, any) {
		if len(id) >= 5 && id >= "90000" {
			return http.StatusNotFound, springError(http.StatusNotFound, r.URL.Path)
		}
		return http.StatusOK, map[string]any{"id": id, "total": 119.0}
	}, func(ctx context.Context) (int, any, error) {
		body, err := a.store.readInvoice(ctx, id)
		return http.StatusOK, body, err
	})
}

// health answers like Spring Boot's /actuator/health with the db and redis
// components, each really checked when the lab has them: DOWN (HTTP 503)
// while the pool is exhausted or a data server does not answer.
func (a *invoiceApp) health(r *http.Request) (int, string, any) {
	if a.faults.storm.Load() {
		return http.StatusServiceUnavailable, "None", springError(http.StatusServiceUnavailable, r.URL.Path)
	}
	if a.faults.slow.Load() {
		a.sleep(r.Context(), slowLatency)
	}
	top, code := "UP", http.StatusOK
	down := func(err string) map[string]any {
		top, code = "DOWN", http.StatusServiceUnavailable
		return map[string]any{"status": "DOWN", "details": map[string]any{"error": err}}
	}
	db := map[string]any{"status": "UP", "details": map[string]any{"database": "MariaDB", "validationQuery": "isValid()"}}
	redis := map[string]any{"status": "UP", "details": map[string]any{"version": "7.0.15"}}
	switch {
	case a.faults.pool.Load():
		db = down("org.springframework.jdbc.CannotGetJdbcConnectionException: " +
			"Failed to obtain JDBC Connection; " + poolName + " - Connection is not available, request timed out after 250ms.")
	case a.store.live():
		if err := a.store.ping(r.Context()); err != nil {
			db = down("org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection; " + oneLine(err))
		}
	}
	if err := a.store.cachePing(r.Context()); err != nil {
		redis = down("org.springframework.data.redis.RedisConnectionFailureException: " + oneLine(err))
	}
	return code, "None", map[string]any{
		"status": top,
		"components": map[string]any{
			"db":        db,
			"redis":     redis,
			"diskSpace": map[string]any{"status": "UP", "details": map[string]any{"threshold": 10485760, "exists": true}},
			"ping":      map[string]any{"status": "UP"},
		},
	}
}

// springError is Spring Boot's default error body.
func springError(code int, path string) map[string]any {
	return map[string]any{"timestamp": time.Now().UTC().Format(time.RFC3339Nano), "status": code,
		"error": http.StatusText(code), "path": path}
}

// pool is the HikariCP gauges now: a couple of connections held by
// background jobs plus one per business request; all of them, and threads
// waiting, while the pool is exhausted.
func (a *invoiceApp) pool() (active, pending int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.faults.pool.Load() {
		return poolMax, poolStarving + a.waiting
	}
	if a.store.live() {
		return min(poolMax, a.store.inUse()), a.store.pending()
	}
	return min(poolMax, 2+a.inflight), 0
}

// prometheus writes the Micrometer exposition.
func (a *invoiceApp) prometheus(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	var b strings.Builder
	a.meters.write(&b)
	active, pending := a.pool()
	for _, g := range []struct {
		name, help string
		v          int
	}{
		{"active", "Active connections", active},
		{"idle", "Idle connections", poolMax - active},
		{"pending", "Pending threads", pending},
		{"max", "Max connections", poolMax},
		{"min", "Min connections", poolMax},
	} {
		fmt.Fprintf(&b, "# HELP hikaricp_connections_%s %s\n# TYPE hikaricp_connections_%s gauge\nhikaricp_connections_%s{pool=%q} %d\n",
			g.name, g.help, g.name, g.name, poolName, g.v)
	}
	state := "closed"
	if a.faults.breaker.Load() {
		state = "open"
	}
	b.WriteString("# HELP resilience4j_circuitbreaker_state The states of the circuit breaker\n# TYPE resilience4j_circuitbreaker_state gauge\n")
	for _, st := range []string{"closed", "disabled", "forced_open", "half_open", "metrics_only", "open"} {
		v := 0
		if st == state {
			v = 1
		}
		fmt.Fprintf(&b, "resilience4j_circuitbreaker_state{name=%q,state=%q} %d\n", breakerName, st, v)
	}
	_, _ = w.Write([]byte(b.String()))
}
