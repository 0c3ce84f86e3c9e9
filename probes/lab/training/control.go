package training

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// The control channel: a unix socket (mode 0600, in the lab's own
// directory) through which `triage lab fault`, `triage lab restart` and
// `triage lab traffic` reach the running lab. One JSON request per
// connection, one JSON response.

// Request is one control command.
type Request struct {
	// Op is "fault" (Key, On), "restart" (Name), "traffic" (Name) or "status".
	Op   string `json:"op"`
	Key  string `json:"key,omitempty"`
	On   bool   `json:"on,omitempty"`
	Name string `json:"name,omitempty"`
}

// Response is the lab's answer: Error is empty on success.
type Response struct {
	Error  string       `json:"error,omitempty"`
	Faults []FaultState `json:"faults,omitempty"`
	Status []string     `json:"status,omitempty"`
}

// FaultState is a fault as the control channel reports it.
type FaultState struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Layer       string `json:"layer"`
	Active      bool   `json:"active"`
	Unavailable string `json:"unavailable,omitempty"`
}

// States is fs as the control channel reports them.
func States(fs []Fault) []FaultState {
	out := make([]FaultState, len(fs))
	for i, f := range fs {
		out[i] = FaultState{Key: f.Key, Name: f.Name, Layer: f.Layer.String(), Active: f.Active, Unavailable: f.Unavailable}
	}
	return out
}

// control serves the socket until closed.
type control struct {
	path string
	l    net.Listener
	wg   sync.WaitGroup
}

func startControl(path string, handle func(Request) Response) (*control, error) {
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	c := &control{path: path, l: l}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				defer conn.Close()
				_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
				var req Request
				if err := json.NewDecoder(bufio.NewReader(conn)).Decode(&req); err != nil {
					_ = json.NewEncoder(conn).Encode(Response{Error: "bad request: " + err.Error()})
					return
				}
				_ = conn.SetReadDeadline(time.Time{})
				_ = json.NewEncoder(conn).Encode(handle(req))
			}()
		}
	}()
	return c, nil
}

func (c *control) close() {
	_ = c.l.Close()
	c.wg.Wait()
	_ = os.Remove(c.path)
}

// handle runs one control request on the estate.
func (e *Estate) handle(req Request) Response {
	var err error
	switch req.Op {
	case "fault":
		err = e.Set(req.Key, req.On)
	case "restart":
		err = e.Restart(req.Name)
	case "traffic":
		err = e.MoveTraffic(req.Name)
	case "status":
	default:
		err = fmt.Errorf("unknown op %q", req.Op)
	}
	resp := Response{Faults: States(e.Faults()), Status: e.Status()}
	if err != nil {
		resp.Error = err.Error()
	}
	return resp
}

// ErrControl wraps an error answered by the running lab.
var ErrControl = errors.New("lab")

// Call sends req to the lab listening on socket and returns its answer; an
// error the lab answered is wrapped in ErrControl.
func Call(socket string, req Request, timeout time.Duration) (Response, error) {
	conn, err := net.DialTimeout("unix", socket, timeout)
	if err != nil {
		return Response{}, fmt.Errorf("no lab answers on %s: %w", socket, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return Response{}, err
	}
	var resp Response
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		return Response{}, fmt.Errorf("lab answer: %w", err)
	}
	if resp.Error != "" {
		return resp, fmt.Errorf("%w: %s", ErrControl, resp.Error)
	}
	return resp, nil
}
