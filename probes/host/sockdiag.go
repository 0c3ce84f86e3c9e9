//go:build linux

package host

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Reading /proc/net/tcp walks the kernel's whole connection hash table as
// text (about 9 ms a file on a 24 GiB machine, with a few hundred sockets);
// the sock_diag netlink dump that ss uses is an order of magnitude cheaper.
// countTCPStates uses it and the host probe falls back to /proc when it fails.
//
// The dump takes a state filter: the kernel skips the sockets of other
// states before building a message for them, so asking only for CLOSE_WAIT
// costs next to nothing on a host with tens of thousands of TIME_WAIT
// sockets, whose number the kernel keeps as a counter (/proc/net/sockstat).

const (
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	inetDiagReqLen   = 56 // sizeof(struct inet_diag_req_v2)
	nlmsgHdrLen      = syscall.NLMSG_HDRLEN
	sockDiagMaxWait  = time.Second
)

// Bits of the sock_diag state filter: 1 << the kernel's TCP state number.
const (
	stateCloseWait = 1 << 8
	allStates      = ^uint32(0)
)

// countTCPStates counts IPv4 and IPv6 TCP sockets by state through
// sock_diag, only those whose state bit is set in states.
func countTCPStates(ctx context.Context, states uint32) (map[string]float64, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.NETLINK_INET_DIAG)
	if err != nil {
		return nil, fmt.Errorf("sock_diag socket: %w", err)
	}
	defer syscall.Close(fd)
	wait := sockDiagMaxWait
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, max(time.Until(dl), time.Millisecond))
	}
	tv := syscall.NsecToTimeval(wait.Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return nil, fmt.Errorf("sock_diag timeout: %w", err)
	}
	counts := map[string]float64{}
	buf := make([]byte, 64<<10)
	for seq, family := range []uint8{syscall.AF_INET, syscall.AF_INET6} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		req := sockDiagRequest(family, uint32(seq+1), states)
		if err := syscall.Sendto(fd, req, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
			return nil, fmt.Errorf("sock_diag send: %w", err)
		}
		if err := readSockDiag(fd, buf, counts); err != nil {
			return nil, err
		}
	}
	return counts, nil
}

// sockDiagRequest is a dump request for the TCP sockets of one family in
// the given states.
func sockDiagRequest(family uint8, seq, states uint32) []byte {
	b := make([]byte, nlmsgHdrLen+inetDiagReqLen)
	binary.NativeEndian.PutUint32(b[0:4], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:6], sockDiagByFamily)
	binary.NativeEndian.PutUint16(b[6:8], syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP)
	binary.NativeEndian.PutUint32(b[8:12], seq)
	r := b[nlmsgHdrLen:]
	r[0], r[1] = family, syscall.IPPROTO_TCP
	binary.NativeEndian.PutUint32(r[4:8], states)
	return b
}

// readSockDiag reads one dump to its end, counting sockets by state.
func readSockDiag(fd int, buf []byte, counts map[string]float64) error {
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) {
				return errors.New("sock_diag: no answer from the kernel")
			}
			return fmt.Errorf("sock_diag receive: %w", err)
		}
		done, err := countSockDiag(buf[:n], counts)
		if err != nil || done {
			return err
		}
	}
}

// countSockDiag counts the inet_diag_msg records of one netlink datagram; it
// reports done at NLMSG_DONE. Pure, for tests.
func countSockDiag(b []byte, counts map[string]float64) (bool, error) {
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return false, fmt.Errorf("sock_diag parse: %w", err)
	}
	for _, m := range msgs {
		switch m.Header.Type {
		case syscall.NLMSG_DONE:
			return true, nil
		case syscall.NLMSG_ERROR:
			if len(m.Data) >= 4 {
				if errno := int32(binary.NativeEndian.Uint32(m.Data[:4])); errno != 0 {
					return false, fmt.Errorf("sock_diag: %w", syscall.Errno(-errno))
				}
			}
			return true, nil
		}
		if len(m.Data) < 2 {
			continue
		}
		st := int(m.Data[1]) // inet_diag_msg.idiag_state
		if st > 0 && st < len(tcpStates) && tcpStates[st] != "" {
			counts[tcpStates[st]]++
		} else {
			counts["unknown"]++
		}
	}
	return false, nil
}
