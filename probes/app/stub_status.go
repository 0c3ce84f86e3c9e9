package app

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// stubStatus is nginx's stub_status page:
//
//	Active connections: 291
//	server accepts handled requests
//	 16630948 16630948 31070465
//	Reading: 6 Writing: 179 Waiting: 106
type stubStatus struct {
	Active, Accepts, Handled, Requests, Reading, Writing, Waiting float64
}

// parseStubStatus reads a stub_status page; anything else is an error.
func parseStubStatus(body []byte) (stubStatus, error) {
	var s stubStatus
	var seen int
	sc := bufio.NewScanner(bytes.NewReader(body))
	next := false // the previous line was "server accepts handled requests"
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Active connections:"):
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, "Active connections:")), 64)
			if err != nil {
				return s, fmt.Errorf("not a stub_status page: bad %q", line)
			}
			s.Active = v
			seen++
		case line == "server accepts handled requests":
			next = true
			continue
		case next:
			f := strings.Fields(line)
			if len(f) != 3 {
				return s, fmt.Errorf("not a stub_status page: bad counters %q", line)
			}
			vals := [3]*float64{&s.Accepts, &s.Handled, &s.Requests}
			for i, x := range f {
				v, err := strconv.ParseFloat(x, 64)
				if err != nil {
					return s, fmt.Errorf("not a stub_status page: bad counters %q", line)
				}
				*vals[i] = v
			}
			seen++
		case strings.HasPrefix(line, "Reading:"):
			f := strings.Fields(line)
			if len(f) != 6 || f[2] != "Writing:" || f[4] != "Waiting:" {
				return s, fmt.Errorf("not a stub_status page: bad %q", line)
			}
			vals := [3]*float64{&s.Reading, &s.Writing, &s.Waiting}
			for i := range vals {
				v, err := strconv.ParseFloat(f[2*i+1], 64)
				if err != nil {
					return s, fmt.Errorf("not a stub_status page: bad %q", line)
				}
				*vals[i] = v
			}
			seen++
		}
		next = false
	}
	if seen != 3 {
		return s, fmt.Errorf("not a stub_status page (want Active connections, server accepts handled requests, Reading/Writing/Waiting)")
	}
	return s, nil
}
