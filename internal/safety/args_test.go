package safety

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedactArgs(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"mysql glued -p", []string{"mysql", "-uroot", "-phunter2", "db"}, []string{"mysql", "-uroot", "-p***", "db"}},
		{"mysql -p alone prompts; next word is the database", []string{"/usr/bin/mysql", "-p", "invoices"}, []string{"/usr/bin/mysql", "-p", "invoices"}},
		{"mysql --password=", []string{"mariadb", "--password=hunter2", "-h", "db"}, []string{"mariadb", "--password=***", "-h", "db"}},
		{"mysql --password alone prompts", []string{"mysql", "--password", "invoices"}, []string{"mysql", "--password", "invoices"}},
		{"mysqldump -p", []string{"mysqldump", "-pS3cr3t!", "--all-databases"}, []string{"mysqldump", "-p***", "--all-databases"}},
		{"redis-cli -a", []string{"redis-cli", "-h", "10.0.0.5", "-a", "hunter2", "ping"}, []string{"redis-cli", "-h", "10.0.0.5", "-a", "***", "ping"}},
		{"redis-cli -a glued", []string{"redis-cli", "-ahunter2", "info"}, []string{"redis-cli", "-a***", "info"}},
		{"redis-cli --pass", []string{"redis-cli", "--pass", "hunter2"}, []string{"redis-cli", "--pass", "***"}},
		{"redis-cli url", []string{"redis-cli", "-u", "redis://default:hunter2@cache:6379/0"}, []string{"redis-cli", "-u", "redis://default:***@cache:6379/0"}},
		{"sshpass -p", []string{"sshpass", "-p", "hunter2", "ssh", "-p", "2222", "ops@h"}, []string{"sshpass", "-p", "***", "ssh", "-p", "2222", "ops@h"}},
		{"sshpass -p glued", []string{"sshpass", "-phunter2", "ssh", "h"}, []string{"sshpass", "-p***", "ssh", "h"}},
		{"curl -u", []string{"curl", "-u", "admin:hunter2", "https://x"}, []string{"curl", "-u", "admin:***", "https://x"}},
		{"curl -u glued", []string{"curl", "-uadmin:hunter2", "https://x"}, []string{"curl", "-uadmin:***", "https://x"}},
		{"curl --user", []string{"curl", "--user", "admin:hunter2", "https://x"}, []string{"curl", "--user", "admin:***", "https://x"}},
		{"curl -u user only prompts", []string{"curl", "-u", "admin", "https://x"}, []string{"curl", "-u", "admin", "https://x"}},
		{"curl header", []string{"curl", "-H", "Authorization: Bearer eyJhbGciOi", "https://x"}, []string{"curl", "-H", "Authorization: Bearer ***", "https://x"}},
		{"url userinfo", []string{"worker", "mysql://app:hunter2@db:3306/inv"}, []string{"worker", "mysql://app:***@db:3306/inv"}},
		{"url password with @ and /", []string{"worker", "redis://:p@ss/w0rd@cache:6379"}, []string{"worker", "redis://:***@cache:6379"}},
		{"url with port and @ in the query is not userinfo", []string{"curl", "http://host:8080/x?mail=a@b"}, []string{"curl", "http://host:8080/x?mail=a@b"}},
		{"env assignments", []string{"env", "MYSQL_PWD=hunter2", "API_TOKEN=abc", "PWD=/srv", "mysql"}, []string{"env", "MYSQL_PWD=***", "API_TOKEN=***", "PWD=/srv", "mysql"}},
		{"query token", []string{"curl", "https://x/api?token=abc123&page=2"}, []string{"curl", "https://x/api?token=***&page=2"}},
		{"long option with value", []string{"app", "--db-password=hunter2", "--token", "abc", "--tokenizer", "bert"}, []string{"app", "--db-password=***", "--token", "***", "--tokenizer", "bert"}},
		{"boolean secret-named flag keeps the next option", []string{"app", "--api-key", "--verbose"}, []string{"app", "--api-key", "--verbose"}},
		{"negation is not a secret", []string{"psql", "--no-password", "invoices"}, []string{"psql", "--no-password", "invoices"}},
		{"redis-server requirepass", []string{"redis-server", "--requirepass", "hunter2", "--port", "6379"}, []string{"redis-server", "--requirepass", "***", "--port", "6379"}},
		{"ssh -p is a port", []string{"ssh", "-p", "2222", "ops@host"}, []string{"ssh", "-p", "2222", "ops@host"}},
		{"nginx -p is a prefix", []string{"nginx", "-p", "/srv/nginx", "-c", "nginx.conf"}, []string{"nginx", "-p", "/srv/nginx", "-c", "nginx.conf"}},
		{"mkdir -p", []string{"mkdir", "-p", "/tmp/x"}, []string{"mkdir", "-p", "/tmp/x"}},
		{"python -pSOMETHING is not mysql", []string{"python3", "-pfoo"}, []string{"python3", "-pfoo"}},
		{"sudo wrapper", []string{"sudo", "redis-cli", "-a", "hunter2"}, []string{"sudo", "redis-cli", "-a", "***"}},
		{"shell -c script", []string{"sh", "-c", "mysql -uroot -phunter2 -e 'select 1'"}, []string{"sh", "-c", "mysql -uroot -p*** -e 'select 1'"}},
		{"empty", []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			assert.Equal(t, tt.want, RedactArgs(tt.in))
			assert.Equal(t, in, tt.in, "the input is not modified")
		})
	}
}

func TestRedactCmdline(t *testing.T) {
	assert.Equal(t, "redis-cli -a *** ping", RedactCmdline("redis-cli  -a hunter2 ping"))
	assert.Equal(t, "sshpass -p *** ssh -p 22 h", RedactCmdline("sshpass -p hunter2 ssh -p 22 h"))
	assert.Equal(t, "curl -H Authorization: Basic *** x", RedactCmdline("curl -H Authorization: Basic YWRtaW46aHVudGVyMg== x"))
}

// secretForms are the ways a password reaches a command line that
// RedactArgs must catch; {S} stands for the password.
var secretForms = [][]string{
	{"mysql", "-uroot", "-p{S}", "db"},
	{"mariadb-dump", "--password={S}"},
	{"redis-cli", "-a", "{S}", "ping"},
	{"redis-cli", "-a{S}"},
	{"sshpass", "-p", "{S}", "ssh", "host"},
	{"curl", "-u", "user:{S}", "https://h/"},
	{"curl", "--user", "user:{S}"},
	{"curl", "-H", "Authorization: Bearer {S}"},
	{"worker", "mysql://app:{S}@db:3306/x"},
	{"env", "MYSQL_PWD={S}", "x"},
	{"app", "--token", "{S}"},
	{"app", "--db-password={S}"},
	{"curl", "https://h/api?token={S}&x=1"},
	{"sh", "-c", "redis-cli -a {S} ping"},
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9]{4,40}$`)

// FuzzRedactArgs checks that RedactArgs never panics, keeps the number of
// words, is stable when applied twice, and never lets a password in one of
// the known forms through, whatever the password and the argv after it.
func FuzzRedactArgs(f *testing.F) {
	f.Add("mysql\x00-phunter2", "hunter2")
	f.Add("redis-cli\x00-a\x00s3cret\x00ping", "s3cret")
	f.Add("curl\x00-u\x00a:b@c\x00http://u:p@h:1/x?token=t&y", "Passw0rd")
	f.Fuzz(func(t *testing.T, cmdline, secret string) {
		argv := strings.Split(cmdline, "\x00")
		got := RedactArgs(argv)
		require.Len(t, got, len(argv))
		require.Equal(t, got, RedactArgs(got), "redacting twice changes nothing more")
		_ = RedactCmdline(cmdline)
		if !plainWord.MatchString(secret) {
			return
		}
		for _, form := range secretForms {
			w := make([]string, len(form))
			for i, s := range form {
				w[i] = strings.ReplaceAll(s, "{S}", "\x01")
			}
			if strings.Contains(strings.ToLower(strings.Join(w, " ")), strings.ToLower(secret)) {
				continue // the password is also an ordinary word of the form
			}
			for i := range w {
				w[i] = strings.ReplaceAll(w[i], "\x01", secret)
			}
			got := RedactArgs(append(w, argv...))
			assert.NotContains(t, strings.Join(got[:len(w)], " "), secret, "form %q", form)
		}
	})
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://10.0.0.1:9100/metrics", "http://10.0.0.1:9100/metrics"},
		{"http://scrape:s3cret@10.0.0.1:8080/actuator/prometheus", "http://scrape:***@10.0.0.1:8080/actuator/prometheus"},
		{"https://u:p@ss/w@host/x", "https://u:***@host/x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) { assert.Equal(t, tt.want, RedactURL(tt.in)) })
	}
}
