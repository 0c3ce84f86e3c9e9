package host

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// parseSockstatTW reads the TIME_WAIT count ("tw") from the TCP line of
// /proc/net/sockstat: "TCP: inuse 12 orphan 0 tw 21 alloc 15 mem 164".
func parseSockstatTW(r io.Reader) (float64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "TCP:" {
			continue
		}
		for i := 1; i+1 < len(f); i += 2 {
			if f[i] == "tw" {
				v, err := strconv.ParseFloat(f[i+1], 64)
				if err != nil {
					return 0, fmt.Errorf("sockstat: tw %q: %w", f[i+1], err)
				}
				return v, nil
			}
		}
		return 0, fmt.Errorf("sockstat: TCP line has no tw: %q", sc.Text())
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read sockstat: %w", err)
	}
	return 0, fmt.Errorf("sockstat: no TCP line")
}

// parseSNMPCurrEstab reads CurrEstab (TCP connections in ESTABLISHED or
// CLOSE_WAIT) from /proc/net/snmp, whose Tcp: lines are a header and values.
func parseSNMPCurrEstab(r io.Reader) (float64, error) {
	sc := bufio.NewScanner(r)
	var header []string
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "Tcp:" {
			continue
		}
		if header == nil {
			header = f
			continue
		}
		for i, name := range header {
			if name == "CurrEstab" && i < len(f) {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					return 0, fmt.Errorf("snmp: CurrEstab %q: %w", f[i], err)
				}
				return v, nil
			}
		}
		return 0, fmt.Errorf("snmp: no CurrEstab column")
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read snmp: %w", err)
	}
	return 0, fmt.Errorf("snmp: no Tcp: lines")
}
