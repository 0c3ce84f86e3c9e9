package network

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/fivelayer/triage/probes"
)

// status grades the response code and, when the body is Spring Boot actuator
// health JSON, the states it reports.
func (p *HTTP) status(x httpExchange) probes.Result {
	r := probes.Result{Check: statusCheck.Name, Evidence: map[string]any{"url": p.url.Redacted(), "expected": p.expected()}}
	if x.resp == nil {
		r.Status = probes.Crit
		r.Summary = "no response: " + p.failure(x.err, x.tm.snapshot())
		r.Err = x.err.Error()
		return r
	}
	code := x.resp.StatusCode
	r.Value = probes.V(float64(code))
	r.Evidence["status_code"] = code
	r.Evidence["http_version"] = x.resp.Proto
	r.Evidence["content_type"] = x.resp.Header.Get("Content-Type")
	r.Evidence["body_bytes"] = len(x.body)
	r.Evidence["body_truncated"] = x.trunc
	line := fmt.Sprintf("HTTP %d %s", code, http.StatusText(code))
	switch {
	case p.accepts(code):
		r.Status = probes.OK
	case code >= 500:
		r.Status = probes.Crit
		line += ", expected " + p.expected()
	default:
		r.Status = probes.Warn
		line += ", expected " + p.expected()
	}
	parts := []string{line}
	if h, ok := parseActuator(x.body); ok {
		r.Evidence["actuator_status"] = h.status
		r.Evidence["components"] = h.components
		st, words := h.grade()
		r.Status = probes.Worst(r.Status, st)
		parts = append(parts, words)
	}
	r.Summary = strings.Join(parts, "; ")
	return r
}

// actuatorHealth is Spring Boot's /actuator/health answer, flattened:
// components maps "db" or "db.primary" to its status.
type actuatorHealth struct {
	status     string
	components map[string]string
}

// actuatorNode is one level of the health JSON; Spring Boot 2.2+ names the
// children "components", 1.x and 2.0–2.1 "details".
type actuatorNode struct {
	Status     string                     `json:"status"`
	Components map[string]json.RawMessage `json:"components"`
	Details    map[string]json.RawMessage `json:"details"`
}

// actuatorStates are the statuses Spring Boot defines; a body whose top
// status is not one of them is not actuator health.
var actuatorStates = []string{"UP", "DOWN", "OUT_OF_SERVICE", "UNKNOWN"}

// parseActuator reads body as actuator health JSON.
func parseActuator(body []byte) (actuatorHealth, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return actuatorHealth{}, false
	}
	var top actuatorNode
	if json.Unmarshal(body, &top) != nil || !slices.Contains(actuatorStates, top.Status) {
		return actuatorHealth{}, false
	}
	h := actuatorHealth{status: top.Status, components: map[string]string{}}
	flattenActuator("", top, h.components, 0)
	return h, true
}

// flattenActuator adds node's children to out as "parent.child" → status.
func flattenActuator(prefix string, node actuatorNode, out map[string]string, depth int) {
	kids := node.Components
	if kids == nil {
		kids = node.Details
	}
	if depth > 4 {
		return
	}
	for name, raw := range kids {
		var c actuatorNode
		if json.Unmarshal(raw, &c) != nil || c.Status == "" {
			continue // a detail value, not a component
		}
		full := prefix + name
		out[full] = c.Status
		flattenActuator(full+".", c, out, depth+1)
	}
}

// grade: top status DOWN or OUT_OF_SERVICE is crit, UNKNOWN warn; a
// component DOWN while the top says UP warns (the application counts it
// optional). The words name the failing components.
func (h actuatorHealth) grade() (probes.Status, string) {
	var bad []string
	for name, st := range h.components {
		if st == "DOWN" || st == "OUT_OF_SERVICE" {
			// a parent is DOWN because of its child: name the leaf only
			if !hasChildDown(h.components, name) {
				bad = append(bad, name+" "+st)
			}
		}
	}
	slices.Sort(bad)
	st := probes.OK
	switch h.status {
	case "DOWN", "OUT_OF_SERVICE":
		st = probes.Crit
	case "UNKNOWN":
		st = probes.Warn
	default:
		if len(bad) > 0 {
			st = probes.Warn
		}
	}
	if len(bad) == 0 {
		return st, "actuator " + h.status
	}
	words := "actuator: " + strings.Join(bad, ", ")
	if h.status != "DOWN" {
		words += " (overall " + h.status + ")"
	}
	return st, words
}

func hasChildDown(c map[string]string, name string) bool {
	for n, st := range c {
		if strings.HasPrefix(n, name+".") && (st == "DOWN" || st == "OUT_OF_SERVICE") {
			return true
		}
	}
	return false
}
