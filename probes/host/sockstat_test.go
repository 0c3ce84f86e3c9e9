package host

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSockstatTW(t *testing.T) {
	tests := []struct {
		name, in string
		want     float64
		err      string
	}{
		{"kernel 6", "sockets: used 32\nTCP: inuse 12 orphan 0 tw 24000 alloc 15 mem 164\nUDP: inuse 0 mem 0\n", 24000, ""},
		{"no tw", "TCP: inuse 12 orphan 0\n", 0, "no tw"},
		{"no TCP line", "sockets: used 3\n", 0, "no TCP line"},
		{"bad number", "TCP: inuse 1 tw x\n", 0, "tw \"x\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSockstatTW(strings.NewReader(tt.in))
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseSNMPCurrEstab(t *testing.T) {
	const snmp = "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
		"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs\n" +
		"Tcp: 1 200 120000 -1 1203 872 224 96 17 48541\n"
	tests := []struct {
		name, in string
		want     float64
		err      string
	}{
		{"kernel 6", snmp, 17, ""},
		{"no column", "Tcp: RtoAlgorithm\nTcp: 1\n", 0, "no CurrEstab"},
		{"no Tcp", "Ip: Forwarding\nIp: 1\n", 0, "no Tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSNMPCurrEstab(strings.NewReader(tt.in))
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
