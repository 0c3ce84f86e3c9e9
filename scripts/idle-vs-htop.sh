#!/usr/bin/env bash
# idle-vs-htop.sh — the idle screen's CPU cost beside htop's (issue 17 item 1).
#
# Starts triage watching only this host at a 1 s interval and htop at its
# 1 s refresh, each in its own tmux session of the same size, lets both
# settle, then reads each process's CPU ticks (utime+stime of
# /proc/PID/stat) over the same window. Prints both and their ratio with the
# load average. Usage: scripts/idle-vs-htop.sh [TRIAGE_BINARY] [SECONDS] [COLSxROWS]
set -euo pipefail
bin=${1:-./triage}
secs=${2:-60}
size=${3:-80x24}
cols=${size%x*} rows=${size#*x}
command -v htop >/dev/null || { echo "htop is not installed (apt-get install htop)" >&2; exit 3; }
dir=$(mktemp -d)
trap 'tmux kill-session -t idle-triage 2>/dev/null; tmux kill-session -t idle-htop 2>/dev/null; rm -rf "$dir"' EXIT
cat >"$dir/host.yaml" <<YAML
estate: idle-check
interval: 1s
components:
  - name: this-host
    probes: [{kind: host}]
YAML
tmux new-session -d -s idle-triage -x "$cols" -y "$rows" \
  "XDG_STATE_HOME=$dir/state $bin --config $dir/host.yaml"
tmux new-session -d -s idle-htop -x "$cols" -y "$rows" "htop -d 10"
sleep 5
pid_of() { tmux list-panes -t "$1" -F '#{pane_pid}'; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
tp=$(pid_of idle-triage) hp=$(pid_of idle-htop)
t0=$(ticks "$tp") h0=$(ticks "$hp") l0=$(cut -d' ' -f1 /proc/loadavg)
sleep "$secs"
t1=$(ticks "$tp") h1=$(ticks "$hp") l1=$(cut -d' ' -f1 /proc/loadavg)
dt=$((t1 - t0)) dh=$((h1 - h0))
echo "size ${cols}x${rows}, ${secs}s, load ${l0} -> ${l1}, $(getconf CLK_TCK) ticks/s"
echo "triage: ${dt} ticks   htop: ${dh} ticks   ratio: $(awk -v a="$dt" -v b="$dh" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }')"
