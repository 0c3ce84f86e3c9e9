package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fivelayer/triage/probes/lab/daemons"
)

// The lab's data layer: names, limits and accounts.
const (
	dbPrimary = "db-primary"
	dbReplica = "db-replica"
	cacheName = "cache"
	appName   = "invoice-api"

	// labMaxConnections is the primary's (and replica's) max_connections:
	// low, so a leak reaches it in a second.
	labMaxConnections = 40
	// labMaxClients is Redis's maxclients: a bit above the runbook's 500.
	labMaxClients = 520

	appUser     = "invoice"
	appPassword = "invoice-lab-only" // the lab application's own account; no probe or action uses it
	replUser    = "repl"             // no password: the pair lives on 127.0.0.1 for the lab's life only
	// schemaVersion names the template: bump it when labSchema changes.
	schemaVersion = "lab-schema-1"
)

// labSchema is the invoice database of the template: the invoices, the hot
// counter rows every list and create request updates, and the accounts.
var labSchema = []string{
	"CREATE DATABASE invoicing",
	"CREATE TABLE invoicing.invoice (id INT PRIMARY KEY, customer VARCHAR(64) NOT NULL, total DECIMAL(10,2) NOT NULL, " +
		"views INT NOT NULL DEFAULT 0, updated TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)) ENGINE=InnoDB",
	"CREATE TABLE invoicing.counter (name VARCHAR(32) PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB",
	"INSERT INTO invoicing.counter VALUES ('invoice-number', 100000), ('invoice-list', 0)",
	"INSERT INTO invoicing.invoice (id, customer, total) SELECT seq, CONCAT('customer-', seq % 97), 19 + seq % 500 FROM invoicing.seq_10000_to_10999",
	fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", appUser, appPassword),
	fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON invoicing.* TO '%s'@'%%'", appUser),
	fmt.Sprintf("CREATE USER '%s'@'%%'", replUser),
	fmt.Sprintf("GRANT REPLICATION SLAVE ON *.* TO '%s'@'%%'", replUser),
}

// dataLayer is the lab's MariaDB pair and Redis; either may be missing,
// with the reason.
type dataLayer struct {
	dir string

	mu       sync.Mutex
	servers  map[string]*daemons.MariaDB // db-primary, db-replica
	primary  string                      // which of them is the primary now
	dbErr    error                       // why there is no database layer
	redis    *daemons.Redis
	cacheErr error // why there is no cache
}

// templateRoot is where the initialised datadir is cached between runs.
func templateRoot() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "triage", "lab")
	}
	return filepath.Join(os.TempDir(), "triage-lab-cache")
}

// startData starts the pair and Redis in parallel; a missing binary or a
// failed start leaves that part out with its reason.
func startData(dir string) *dataLayer {
	d := &dataLayer{dir: dir, servers: map[string]*daemons.MariaDB{}, primary: dbPrimary}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); d.dbErr = d.startPair() }()
	go func() { defer wg.Done(); d.cacheErr = d.startRedis() }()
	wg.Wait()
	return d
}

func (d *dataLayer) startPair() error {
	tmpl, err := daemons.MariaDBTemplate(templateRoot(), schemaVersion, func(ctx context.Context, db *sql.DB) error {
		for _, q := range labSchema {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", firstWords(q), err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	args := []string{fmt.Sprintf("--max-connections=%d", labMaxConnections), "--innodb-lock-wait-timeout=50"}
	var wg sync.WaitGroup
	var perr, rerr error
	var p, r *daemons.MariaDB
	wg.Add(2)
	go func() {
		defer wg.Done()
		p, perr = daemons.StartMariaDB(daemons.MariaDBOptions{ServerID: 1, Args: args, Template: tmpl})
	}()
	go func() {
		defer wg.Done()
		r, rerr = daemons.StartMariaDB(daemons.MariaDBOptions{ServerID: 2, ReadOnly: true, Args: args, Template: tmpl})
	}()
	wg.Wait()
	if err := errors.Join(perr, rerr); err != nil {
		for _, s := range []*daemons.MariaDB{p, r} {
			if s != nil {
				_ = s.Remove()
			}
		}
		return err
	}
	d.servers[dbPrimary], d.servers[dbReplica] = p, r
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return replicate(ctx, r, p, "slave_pos")
}

// replicate points replica at source over GTID (use: slave_pos for a fresh
// replica, current_pos for a former primary) and starts it.
func replicate(ctx context.Context, replica, source *daemons.MariaDB, use string) error {
	db, err := sql.Open("mysql", replica.RootDSN()+"?timeout=5s")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{
		"STOP SLAVE",
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='%s', MASTER_PASSWORD='', "+
			"MASTER_USE_GTID=%s, MASTER_CONNECT_RETRY=1", source.Port, replUser, use),
		"START SLAVE",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s on %s: %w", firstWords(q), replica.Addr(), err)
		}
	}
	return nil
}

func firstWords(q string) string {
	f := strings.Fields(q)
	return strings.Join(f[:min(3, len(f))], " ")
}

func (d *dataLayer) startRedis() error {
	dir := filepath.Join(d.dir, "redis")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	r, err := daemons.StartRedis(dir, "--port", "--maxclients", fmt.Sprint(labMaxClients))
	if err != nil {
		return err
	}
	d.redis = r
	return nil
}

// server is the named MariaDB, nil without a database layer.
func (d *dataLayer) server(name string) *daemons.MariaDB {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.servers[name]
}

// current is the primary's name now and its server.
func (d *dataLayer) current() (string, *daemons.MariaDB) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.primary, d.servers[d.primary]
}

// other is the pair member that is not name.
func other(name string) string {
	if name == dbPrimary {
		return dbReplica
	}
	return dbPrimary
}

// close stops every server the layer started and removes their directories.
func (d *dataLayer) close() {
	var wg sync.WaitGroup
	for _, s := range d.servers {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Remove() }()
	}
	if d.redis != nil {
		d.redis.Stop()
	}
	wg.Wait()
}

// status says what the data layer is, or why it is missing, for the
// screen and --headless.
func (d *dataLayer) status() []string {
	var out []string
	if d.dbErr != nil {
		out = append(out, "database: unavailable ("+oneLine(d.dbErr)+"); the database faults are off")
	} else {
		out = append(out, fmt.Sprintf("database: MariaDB %s %s (primary), %s %s (replica, GTID), max_connections %d",
			dbPrimary, d.servers[dbPrimary].Addr(), dbReplica, d.servers[dbReplica].Addr(), labMaxConnections))
	}
	if d.cacheErr != nil {
		out = append(out, "cache: unavailable ("+oneLine(d.cacheErr)+"); the cache faults are off")
	} else {
		out = append(out, fmt.Sprintf("cache: Redis %s, maxclients %d", d.redis.Addr, labMaxClients))
	}
	return out
}

func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
