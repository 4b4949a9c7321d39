#!/usr/bin/env bash
# An sshd on 127.0.0.1, for testing headroom's ssh executor against real OpenSSH.
#
#   scripts/ssh-test-host.sh start   installs openssh-server/-client when missing (needs root and apt), makes a
#                                    host key and a client key, starts sshd on 127.0.0.1 and prints how to reach it.
#   scripts/ssh-test-host.sh stop    stops the sshd that `start` started (by its recorded pid).
#
# Settings (environment):
#   HEADROOM_SSH_DIR    keys, config, pid and log   (default /tmp/headroom-ssh)
#   HEADROOM_SSH_PORT   port on 127.0.0.1           (default 22022, off the stock 22)
#
# Clients use: ssh -i $HEADROOM_SSH_DIR/id_ed25519 -p $HEADROOM_SSH_PORT -o StrictHostKeyChecking=no
#              -o UserKnownHostsFile=/dev/null root@127.0.0.1
# The client key is authorized through this sshd's own AuthorizedKeysFile: ~/.ssh is not touched.
set -euo pipefail

DIR=${HEADROOM_SSH_DIR:-/tmp/headroom-ssh}
PORT=${HEADROOM_SSH_PORT:-22022}

say() { echo "ssh-test-host: $*" >&2; }
fail() { say "$*"; exit 1; }

install_packages() {
  if [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; then return; fi
  [ "$(id -u)" = 0 ] || fail "openssh-server is missing and installing it needs root (apt-get)"
  say "installing openssh-server and openssh-client with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq openssh-server openssh-client >/dev/null
}

start() {
  install_packages
  if [ -s "$DIR/sshd.pid" ] && kill -0 "$(cat "$DIR/sshd.pid")" 2>/dev/null; then
    fail "a test sshd already runs from $DIR (run: $0 stop)"
  fi
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  [ -s "$DIR/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/host_ed25519"
  [ -s "$DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/id_ed25519"
  cp "$DIR/id_ed25519.pub" "$DIR/authorized_keys"
  chmod 600 "$DIR/authorized_keys"
  # sshd needs its privilege separation directory.
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  cat >"$DIR/sshd_config" <<CONF
# Written by scripts/ssh-test-host.sh: key-only logins on loopback, for tests.
ListenAddress 127.0.0.1
Port $PORT
HostKey $DIR/host_ed25519
PidFile $DIR/sshd.pid
AuthorizedKeysFile $DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The key lives under /tmp, whose world-writable parent StrictModes would refuse.
StrictModes no
MaxStartups 64:30:128
MaxSessions 64
CONF
  /usr/sbin/sshd -t -f "$DIR/sshd_config" || fail "sshd refused $DIR/sshd_config"
  /usr/sbin/sshd -f "$DIR/sshd_config" -E "$DIR/sshd.log"
  for _ in $(seq 50); do
    if ssh -i "$DIR/id_ed25519" -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o BatchMode=yes -o LogLevel=ERROR root@127.0.0.1 true 2>/dev/null; then
      say "up: root@127.0.0.1 port $PORT, key $DIR/id_ed25519"
      return
    fi
    sleep 0.1
  done
  tail -n 20 "$DIR/sshd.log" >&2 || true
  fail "could not log in to the test sshd on port $PORT within 5 s"
}

stop() {
  if [ -s "$DIR/sshd.pid" ]; then
    local pid
    pid=$(cat "$DIR/sshd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$DIR/sshd.pid"
  fi
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
