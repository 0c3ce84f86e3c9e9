package config

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseYAML10000 is the YAML parse alone of a 10,000-component
// config, cut into parts parsed on every core (split) and in one piece.
func BenchmarkParseYAML10000(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("estate: big\ncomponents:\n")
	for i := range 10000 {
		ip := fmt.Sprintf("127.%d.%d.%d", 20+i/62500, i/250%250, 1+i%250)
		fmt.Fprintf(&sb, "  - name: svc-%05d\n    probes:\n      - {kind: tcp, address: \"%s:8080\"}\n      - {kind: http, url: \"http://%s:8080/health\", expect_status: [200]}\n", i, ip, ip)
	}
	data := []byte(sb.String())
	b.Run("split", func(b *testing.B) {
		for b.Loop() {
			if _, ok := parseSplit(data); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("one-piece", func(b *testing.B) {
		old := splitMin
		splitMin = 1 << 62
		defer func() { splitMin = old }()
		for b.Loop() {
			if _, issue := parseYAML(data); issue != nil {
				b.Fatal(issue)
			}
		}
	})
}
