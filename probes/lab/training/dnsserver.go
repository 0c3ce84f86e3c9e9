package training

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// dnsServer is a tiny authoritative server for the lab's name over UDP on
// loopback. With servfail set it answers SERVFAIL, as a resolver whose
// upstream is broken does.
type dnsServer struct {
	Addr     string
	name     string // fully qualified
	ip       net.IP
	servfail atomic.Bool
	srv      *dns.Server
	done     chan struct{}
}

// startDNS answers name with ip (A records; AAAA is an empty NOERROR).
func startDNS(name string, ip net.IP) (*dnsServer, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("dns listen: %w", err)
	}
	s := &dnsServer{Addr: pc.LocalAddr().String(), name: dns.Fqdn(name), ip: ip, done: make(chan struct{})}
	started := make(chan struct{})
	s.srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.answer), NotifyStartedFunc: func() { close(started) }}
	go func() {
		defer close(s.done)
		_ = s.srv.ActivateAndServe()
	}()
	select {
	case <-started:
		return s, nil
	case <-s.done:
		_ = pc.Close()
		return nil, errors.New("dns server stopped at start")
	case <-time.After(5 * time.Second):
		_ = pc.Close()
		<-s.done
		return nil, errors.New("dns server did not start")
	}
}

func (s *dnsServer) answer(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	switch {
	case s.servfail.Load():
		m.Rcode = dns.RcodeServerFailure
		m.Authoritative = false
	case len(req.Question) == 0 || !strings.EqualFold(req.Question[0].Name, s.name):
		m.Rcode = dns.RcodeNameError
	case req.Question[0].Qtype == dns.TypeA:
		m.Answer = append(m.Answer, &dns.A{
			Hdr: dns.RR_Header{Name: req.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 30},
			A:   s.ip,
		})
	}
	_ = w.WriteMsg(m)
}

// close stops the server and waits for it.
func (s *dnsServer) close() {
	_ = s.srv.Shutdown()
	<-s.done
}
