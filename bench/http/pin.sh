#!/bin/bash
# pin.sh CPU NICE COMMAND...: run COMMAND pinned to CPU with the hard limit of
# open files. Spawned detached (its own session, so its own scheduler
# autogroup), it gives that autogroup the niceness NICE: with autogroups on,
# a process's nice only counts against its own session, not against the other
# work on a shared machine.
cpu=$1
nice=$2
shift 2
ulimit -n "$(ulimit -Hn)" || exit 1
if [ "$nice" != 0 ] && [ -w /proc/self/autogroup ]; then
  echo "$nice" > /proc/self/autogroup 2>/dev/null || true
fi
exec nice -n "$nice" taskset -c "$cpu" "$@"
