#!/usr/bin/env bash
# A one-node Slurm cluster on this host, for testing headroom's Slurm executor.
#
#   scripts/slurm-test-cluster.sh start   installs slurm-wlm + munge when missing (needs root and apt), writes a
#                                         slurm.conf for this host, makes fake GPU devices, starts munged (unless
#                                         one already answers), slurmctld and slurmd, waits until the node is idle,
#                                         and prints `export SLURM_CONF=...` for clients.
#   scripts/slurm-test-cluster.sh stop    stops only the daemons that `start` started (by their recorded pids).
#   scripts/slurm-test-cluster.sh status  prints sinfo for the test cluster.
#
# Settings (environment):
#   HEADROOM_SLURM_DIR   state, config, logs and fake devices  (default /tmp/headroom-slurm)
#   HEADROOM_SLURM_GPUS  fake GPUs on the node                  (default 4)
#   HEADROOM_SLURM_CPUS  CPUs the node claims                   (default 32; more than the host has is fine)
#   HEADROOM_SLURM_PORT  slurmctld port; slurmd takes the next  (default 16817, off the stock 6817 so a real
#                                                                cluster's daemons on this host are not disturbed)
#
# Why the config looks as it does: containers have no writable cgroup tree, so process tracking is by /proc
# (proctrack/linuxproc), tasks are not confined (task/none) and accounting gathers nothing. Slurm's gres/gpu
# only accepts character devices under File= (plain files are refused, and Count= alone drains the node), so
# the fake GPUs are device nodes with the major/minor of /dev/null. config_overrides lets the node claim more
# CPUs than the host has, so several one-CPU jobs can share a 2-core machine.
set -euo pipefail

DIR=${HEADROOM_SLURM_DIR:-/tmp/headroom-slurm}
GPUS=${HEADROOM_SLURM_GPUS:-4}
CPUS=${HEADROOM_SLURM_CPUS:-32}
PORT=${HEADROOM_SLURM_PORT:-16817}
CONF=$DIR/slurm.conf
NODE=$(hostname -s)

say() { echo "slurm-test-cluster: $*" >&2; }
fail() { say "$*"; exit 1; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
    && command -v sbatch >/dev/null; then
    return
  fi
  [ "$(id -u)" = 0 ] || fail "slurm-wlm and munge are missing and installing them needs root (apt-get)"
  say "installing slurm-wlm and munge with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq slurm-wlm munge >/dev/null
}

munge_answers() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  if munge_answers; then
    say "munged already answers; using it (and leaving it running at stop)"
    return
  fi
  mkdir -p /run/munge /var/lib/munge /var/log/munge /etc/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge /etc/munge
  chmod 0755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1 \
      || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  for _ in $(seq 50); do munge_answers && break; sleep 0.1; done
  munge_answers || fail "munged did not answer after 5 s (see /var/log/munge/munged.log)"
  cp /run/munge/munged.pid "$DIR/munged.pid"
}

make_fake_gpus() {
  mkdir -p "$DIR/dev"
  for i in $(seq 0 $((GPUS - 1))); do
    [ -c "$DIR/dev/fakegpu$i" ] || mknod "$DIR/dev/fakegpu$i" c 1 3
  done
}

write_config() {
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
  cat >"$CONF" <<EOF
# Written by scripts/slurm-test-cluster.sh: a one-node test cluster without cgroups.
ClusterName=headroom-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdParameters=config_overrides
GresTypes=gpu
# Finished jobs stay visible to squeue/scontrol for a while (there is no slurmdbd for sacct).
MinJobAge=600
KillWait=2
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
MessageTimeout=10
# Jobs in "urgent" preempt (cancel) jobs in "debug", so tests can preempt a job on purpose.
PreemptType=preempt/partition_prio
PreemptMode=CANCEL
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=1000 Gres=gpu:$GPUS State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP PriorityTier=1
PartitionName=urgent Nodes=$NODE MaxTime=INFINITE State=UP PriorityTier=10
EOF
  cat >"$DIR/gres.conf" <<EOF
AutoDetect=off
NodeName=$NODE Name=gpu File=$DIR/dev/fakegpu[0-$((GPUS - 1))]
EOF
}

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  install_packages
  mkdir -p "$DIR"
  if pid_alive "$DIR/slurmctld.pid" || pid_alive "$DIR/slurmd.pid"; then
    fail "a test cluster already runs from $DIR (run: $0 stop)"
  fi
  rm -rf "$DIR/state" "$DIR/spool"
  make_fake_gpus
  write_config
  start_munge
  export SLURM_CONF=$CONF
  # -i ignores saved state; both daemons fork and write their pid files.
  slurmctld -f "$CONF" -i || fail "slurmctld did not start (see $DIR/log/slurmctld.log)"
  for _ in $(seq 100); do scontrol ping >/dev/null 2>&1 && break; sleep 0.1; done
  slurmd -f "$CONF" || fail "slurmd did not start (see $DIR/log/slurmd.log)"
  local state=""
  for _ in $(seq 200); do
    state=$(sinfo -h -n "$NODE" -o %t 2>/dev/null || true)
    case "$state" in idle*|mix*|alloc*) break ;; esac
    sleep 0.1
  done
  case "$state" in
    idle*|mix*|alloc*) ;;
    *) say "node $NODE is '$state' after 20 s, expected idle:"
       scontrol show node "$NODE" >&2 || true
       tail -n 20 "$DIR/log/slurmd.log" "$DIR/log/slurmctld.log" >&2 || true
       exit 1 ;;
  esac
  say "up: node $NODE with $GPUS fake GPUs and $CPUS CPUs"
  echo "export SLURM_CONF=$CONF"
}

stop_pidfile() {
  local file=$1 name=$2
  pid_alive "$file" || { rm -f "$file"; return 0; }
  local pid
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name ($pid) ignored SIGTERM for 5 s; sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

stop() {
  stop_pidfile "$DIR/slurmd.pid" slurmd
  stop_pidfile "$DIR/slurmctld.pid" slurmctld
  # Only a munged that this script started has its pid copied here.
  stop_pidfile "$DIR/munged.pid" munged
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) SLURM_CONF=$CONF sinfo ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
