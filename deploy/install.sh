#!/usr/bin/env bash
# pimesh installer for Raspberry Pi OS and other Debian-like systems with systemd.
#
#   sudo deploy/install.sh install              first install; running it again repairs
#   sudo deploy/install.sh update               rebuild from this checkout, restart
#   sudo deploy/install.sh uninstall [--purge]
#   deploy/install.sh <command> --dry-run       print the steps, change nothing
#
# The script installs the tree it sits in. It downloads nothing itself: `npm ci` fetches the
# locked dependencies from the npm registry. deploy/README.md explains the result.
set -euo pipefail
umask 022

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(dirname -- "$SCRIPT_DIR")
readonly SCRIPT_DIR # SRC_DIR changes with --from

readonly SERVICE_USER=pimesh
# The one-shots cron/ has a timer for (pimesh-<job>.timer, pimesh-job@.service).
readonly JOBS=(log-sample post-ip check-ip elect peer-data retention)
readonly WANTED_GROUPS=(dialout gpio)
# What is copied to the install directory and built there. node_modules/, dist/ and the
# run-time directories of the checkout are never copied.
# A release artifact (deploy/release.sh) holds these; they are copied to the install directory as
# they are. From a checkout, the artifact is built first (npm, no compiler).
readonly APP_FILES=(package.json npm-shrinkwrap.json dist node_modules deploy cron)
readonly APP_FILES_OPTIONAL=(README.md RELEASE LICENSE LICENSE.md)

INSTALL_DIR=${PIMESH_INSTALL_DIR:-/opt/pimesh}
ETC_DIR=${PIMESH_ETC_DIR:-/etc/pimesh}
VAR_DIR=${PIMESH_VAR_DIR:-/var/lib/pimesh}
SYSTEMD_DIR=${PIMESH_SYSTEMD_DIR:-/etc/systemd/system}
UDEV_DIR=${PIMESH_UDEV_DIR:-/etc/udev/rules.d}
CRON_DIR=${PIMESH_CRON_DIR:-/etc/cron.d}
BIN_DIR=${PIMESH_BIN_DIR:-/usr/local/bin}
IMPORT_LOCAL_JSON=${PIMESH_IMPORT_LOCAL_JSON:-/home/pi/local/local.json}
NODE_BIN=${PIMESH_NODE:-$(command -v node || true)}
NPM_BIN=${PIMESH_NPM:-$(command -v npm || true)}
DESTDIR=${DESTDIR:-}
DESTDIR=${DESTDIR%/}

DRY_RUN=0
FROM='' # --from: a release artifact
WORK_DIR=''
STAGED=0 # 1 with DESTDIR: files only, no user, chown, systemctl or udevadm
SERVICE_GROUPS=()
SYSTEMD_WARNED=0

usage() {
	cat <<'EOF'
Usage: install.sh <command> [--from pimesh-<version>.tgz] [--dry-run] [--purge]

Commands:
  install    create the pimesh user and its directories, create the missing files in
             /etc/pimesh, put the release into /opt/pimesh (from --from, from the unpacked
             release this script sits in, or built from this checkout by deploy/release.sh),
             install pimesh.service, the udev rule and the `pimesh` command
             (/usr/local/bin/pimesh), enable and start the service. Running it again repairs
             an installation and keeps existing configuration and data.
  update     put the new release into /opt/pimesh while the old version keeps running,
             refresh the unit, the udev rule and the command, then restart. /etc/pimesh and
             /var/lib/pimesh are not touched.
  uninstall  stop and disable pimesh; remove its unit, the udev rule, the command, an
             installed log-sample timer or /etc/cron.d/pimesh, and /opt/pimesh.
             Configuration, readings and the pimesh user stay unless --purge is given.

Options:
  --from F   install or update from the release artifact F (deploy/release.sh): needs
             Node.js only; no npm, no compiler, no download
  --dry-run  print what would be done and change nothing (root not needed)
  --purge    with uninstall: also delete /etc/pimesh, /var/lib/pimesh (all readings)
             and the pimesh user
  -h, --help show this text

Environment (default in brackets):
  PIMESH_INSTALL_DIR        the built app                       [/opt/pimesh]
  PIMESH_ETC_DIR            config.json, env, local.json        [/etc/pimesh]
  PIMESH_VAR_DIR            data/ and peers/                    [/var/lib/pimesh]
  PIMESH_SYSTEMD_DIR        unit files                          [/etc/systemd/system]
  PIMESH_UDEV_DIR           udev rules                          [/etc/udev/rules.d]
  PIMESH_CRON_DIR           cron.d (only uninstall looks here)  [/etc/cron.d]
  PIMESH_BIN_DIR            where the pimesh command goes       [/usr/local/bin]
  PIMESH_NODE, PIMESH_NPM   node and npm to use                 [found on PATH]
  PIMESH_IMPORT_LOCAL_JSON  on first install, copied to local.json when it exists
                            [/home/pi/local/local.json, an original Solar Protocol node's]
  DESTDIR                   stage every path below this directory (packaging, tests).
                            Root is not needed, and no user, chown, systemctl or udevadm
                            is run.
EOF
}

log() { printf 'pimesh-install: %s\n' "$*"; }
# The closing summary of a command; marked as such in a dry run.
log_done() {
	if ((DRY_RUN)); then log "(dry run, nothing was changed) $*"; else log "$*"; fi
}
warn() { printf 'pimesh-install: warning: %s\n' "$*" >&2; }
die() {
	printf 'pimesh-install: error: %s\n' "$*" >&2
	exit 1
}

# Prints a command, then runs it unless this is a dry run.
run() {
	if ((DRY_RUN)); then
		printf '[dry-run]'
		printf ' %q' "$@"
		printf '\n'
		return 0
	fi
	printf '+'
	printf ' %q' "$@"
	printf '\n'
	"$@"
}

# ---------------------------------------------------------------------------------------------
# Checks

check_path() { # NAME VALUE [system-dir-ok]
	local name=$1 value=$2
	[[ $value == /* ]] || die "$name must be an absolute path (got '$value')"
	[[ $value =~ ^/[A-Za-z0-9._+/-]*$ ]] || die "$name may hold only letters, digits and . _ + - / (got '$value')"
	[[ /$value/ != */../* && /$value/ != */./* && $value != *//* ]] || die "$name must be a plain path (got '$value')"
	[[ ${3:-} == system-dir-ok ]] && return 0
	case ${value%/} in
	'' | /bin | /boot | /dev | /etc | /home | /lib | /opt | /proc | /root | /run | /sbin | /srv | /sys | /tmp | /usr | /usr/local | /var | /var/lib)
		die "$name=$value is a system directory; pimesh needs a directory of its own there"
		;;
	esac
}

check_paths() {
	INSTALL_DIR=${INSTALL_DIR%/} ETC_DIR=${ETC_DIR%/} VAR_DIR=${VAR_DIR%/}
	check_path PIMESH_INSTALL_DIR "$INSTALL_DIR"
	check_path PIMESH_ETC_DIR "$ETC_DIR"
	check_path PIMESH_VAR_DIR "$VAR_DIR"
	check_path PIMESH_SYSTEMD_DIR "$SYSTEMD_DIR" system-dir-ok
	check_path PIMESH_UDEV_DIR "$UDEV_DIR" system-dir-ok
	check_path PIMESH_CRON_DIR "$CRON_DIR" system-dir-ok
	check_path PIMESH_BIN_DIR "$BIN_DIR" system-dir-ok
	if [[ -n $DESTDIR ]]; then
		check_path DESTDIR "$DESTDIR" system-dir-ok
		STAGED=1
	fi
}

require_root() {
	((DRY_RUN || STAGED)) && return 0
	[[ $(id -u) -eq 0 ]] || die "run it as root: sudo $0 $1"
}

# An unpacked artifact has dist/ and node_modules/ and no src/; a checkout has src/.
is_artifact() { [[ -f $SRC_DIR/dist/cli.js && -d $SRC_DIR/node_modules && ! -d $SRC_DIR/src ]]; }

check_source() {
	local f required=(package.json deploy cron deploy/pimesh.service deploy/pimesh-command.sh
		deploy/99-pimesh.rules deploy/config.example.json deploy/env.example deploy/local.example.json)
	if is_artifact; then
		required+=(dist/cli.js node_modules)
	else
		required+=(src package-lock.json deploy/release.sh)
	fi
	for f in "${required[@]}"; do
		[[ -e $SRC_DIR/$f ]] || die "$SRC_DIR does not look like a pimesh release or checkout: $f is missing"
	done
	grep -q '"name": *"pimesh"' "$SRC_DIR/package.json" || die "$SRC_DIR/package.json is not pimesh's"
}

# --from FILE: the artifact is unpacked into a temporary directory, which is then the source.
unpack_from() {
	[[ -f $FROM && -r $FROM ]] || die "--from $FROM: no such file"
	WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pimesh-install.XXXXXX")
	trap 'rm -rf -- "$WORK_DIR"' EXIT
	tar -xzf "$FROM" -C "$WORK_DIR" || die "--from $FROM: not a pimesh release (tar could not unpack it)"
	[[ -d $WORK_DIR/pimesh ]] || die "--from $FROM: not a pimesh release (no pimesh/ inside)"
	SRC_DIR=$WORK_DIR/pimesh
	is_artifact || die "--from $FROM: not a pimesh release (no dist/ and node_modules/)"
	log "installing the release in $FROM ($(head -n1 "$SRC_DIR/RELEASE" 2>/dev/null || echo 'no RELEASE file'))"
}

check_node() {
	local version major
	[[ -n $NODE_BIN ]] || die "Node.js not found. pimesh needs Node.js 20 or newer on PATH (or set PIMESH_NODE). Debian 12 and Raspberry Pi OS Bookworm ship Node 18, so install Node 20+ from NodeSource or from your distribution's newer release."
	case $NODE_BIN in
	/root/* | /home/* | /run/user/*)
		die "node at $NODE_BIN lives in a home directory (nvm?). The pimesh user cannot run it there, and the unit's ProtectHome=yes hides it. Install Node.js 20+ system-wide (e.g. /usr/bin/node) or set PIMESH_NODE."
		;;
	esac
	[[ $NODE_BIN == /* && -x $NODE_BIN ]] || die "PIMESH_NODE/node must be an executable absolute path (got '$NODE_BIN')"
	check_path 'the node binary' "$NODE_BIN" system-dir-ok
	version=$("$NODE_BIN" -p 'process.versions.node' 2>/dev/null) || die "$NODE_BIN does not run: pimesh needs Node.js 20 or newer"
	major=${version%%.*}
	if ! [[ $major =~ ^[0-9]+$ ]] || ((major < 20)); then
		die "Node.js $version at $NODE_BIN is too old: pimesh needs 20 or newer. Debian 12 and Raspberry Pi OS Bookworm ship Node 18, so install Node 20+ from NodeSource or from your distribution's newer release."
	fi
	log "node $version at $NODE_BIN"
}

# From a checkout the artifact is built here: npm fetches the locked packages from the registry with
# install scripts off, so no compiler is needed. A release artifact needs neither npm nor a compiler.
check_npm() {
	is_artifact && return 0
	[[ -n $NPM_BIN && -x $NPM_BIN ]] || die "npm not found (set PIMESH_NPM): a checkout is built with npm (it comes with Node.js, or Debian's npm package). Or install a release: install.sh install --from pimesh-<version>.tgz"
}

# ---------------------------------------------------------------------------------------------
# State of the machine

have_systemd() { [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; }

# systemctl, skipped with a warning when systemd is not running (containers, chroots) or with DESTDIR.
systemctl_step() {
	if ((STAGED)); then
		log "DESTDIR set: skipped systemctl $*"
		return 0
	fi
	if ! have_systemd; then
		if ((!SYSTEMD_WARNED)); then
			warn "systemd is not running here (a container or chroot?): systemctl steps are skipped. The unit is installed and takes effect at the next boot with systemd."
			SYSTEMD_WARNED=1
		fi
		log "skipped: systemctl $*"
		return 0
	fi
	run systemctl "$@"
}

unit_is() { # is-active|is-enabled UNIT
	((!STAGED)) && have_systemd && systemctl "$1" --quiet "$2" 2>/dev/null
}

udev_reload() {
	if ((STAGED)); then
		log "DESTDIR set: skipped udevadm"
	elif command -v udevadm >/dev/null 2>&1 && [[ -S /run/udev/control ]]; then
		run udevadm control --reload-rules
		run udevadm trigger --subsystem-match=tty
	else
		warn "udev is not running here: the udev rule takes effect at the next boot"
	fi
}

# The groups of WANTED_GROUPS that exist here. The unit's SupplementaryGroups= is trimmed to
# them, because systemd refuses to start a unit that names a missing group.
detect_groups() {
	SERVICE_GROUPS=()
	local group
	for group in "${WANTED_GROUPS[@]}"; do
		if getent group "$group" >/dev/null; then
			SERVICE_GROUPS+=("$group")
		elif ((!STAGED)); then
			log "group $group does not exist here: skipped (and left out of the unit's SupplementaryGroups=)"
		fi
	done
}

# ---------------------------------------------------------------------------------------------
# Files

# Copies a file shipped with default paths (/opt/pimesh, /etc/pimesh, /var/lib/pimesh,
# /usr/bin/node), rewriting them to the configured ones, through a temporary file renamed in place.
render() { # SRC DEST MODE [OWNER GROUP]
	local src=$1 dest=$2 mode=$3 owner=${4:-} group=${5:-}
	((STAGED)) && owner='' group=''
	local what="write $dest from ${src#"$SRC_DIR"/} (mode $mode${owner:+, $owner:$group})"
	if ((DRY_RUN)); then
		printf '[dry-run] %s\n' "$what"
		return 0
	fi
	printf '+ %s\n' "$what"
	local expressions=(
		-e 's|/opt/pimesh|@PIMESH_INSTALL_DIR@|g' -e 's|/etc/pimesh|@PIMESH_ETC_DIR@|g'
		-e 's|/var/lib/pimesh|@PIMESH_VAR_DIR@|g' -e 's|/usr/bin/node|@PIMESH_NODE@|g'
	)
	local values=(
		-e "s|@PIMESH_INSTALL_DIR@|$INSTALL_DIR|g" -e "s|@PIMESH_ETC_DIR@|$ETC_DIR|g"
		-e "s|@PIMESH_VAR_DIR@|$VAR_DIR|g" -e "s|@PIMESH_NODE@|$NODE_BIN|g"
	)
	if ((!STAGED)); then
		if ((${#SERVICE_GROUPS[@]})); then
			values+=(-e "s|^SupplementaryGroups=.*|SupplementaryGroups=${SERVICE_GROUPS[*]}|")
		else
			values+=(-e '/^SupplementaryGroups=/d')
		fi
	fi
	local tmp
	tmp=$(mktemp "$dest.XXXXXX")
	if ! sed "${expressions[@]}" "$src" | sed "${values[@]}" >"$tmp"; then
		rm -f -- "$tmp"
		die "could not write $dest"
	fi
	chmod "$mode" "$tmp"
	[[ -n $owner ]] && chown "$owner:$group" "$tmp"
	mv -f -- "$tmp" "$dest"
}

make_dir() { # MODE OWNER GROUP DIR
	local mode=$1 owner=$2 group=$3 dir=$4
	if ((STAGED)); then
		run install -d -m "$mode" "$dir"
	else
		run install -d -m "$mode" -o "$owner" -g "$group" "$dir"
	fi
}

ensure_parent() { [[ -d $1 ]] || run mkdir -p -- "$1"; }

# ---------------------------------------------------------------------------------------------
# Steps

ensure_user() {
	if ((STAGED)); then
		log "DESTDIR set: the $SERVICE_USER user is not created"
		return 0
	fi
	if getent passwd "$SERVICE_USER" >/dev/null; then
		log "user $SERVICE_USER exists"
	else
		local shell=/usr/sbin/nologin
		[[ -x $shell ]] || shell=/bin/false
		run useradd --system --user-group --home-dir "$VAR_DIR" --no-create-home --shell "$shell" \
			--comment 'pimesh solar mesh node' "$SERVICE_USER"
	fi
	local member_of='' group
	member_of=" $(id -nG "$SERVICE_USER" 2>/dev/null || true) "
	for group in "${SERVICE_GROUPS[@]}"; do
		[[ $member_of == *" $group "* ]] || run usermod -a -G "$group" "$SERVICE_USER"
	done
}

ensure_dirs() {
	local root=$DESTDIR
	ensure_parent "$(dirname -- "$root$ETC_DIR")"
	ensure_parent "$(dirname -- "$root$VAR_DIR")"
	make_dir 0750 root "$SERVICE_USER" "$root$ETC_DIR"
	make_dir 0755 "$SERVICE_USER" "$SERVICE_USER" "$root$VAR_DIR"
	make_dir 0755 "$SERVICE_USER" "$SERVICE_USER" "$root$VAR_DIR/data"
	make_dir 0755 "$SERVICE_USER" "$SERVICE_USER" "$root$VAR_DIR/peers"
	# Readings copied in by hand (e.g. from an original node) must be writable by the daemon.
	if ((!STAGED)) && [[ -d $root$VAR_DIR/data ]] &&
		[[ -n $(find "$root$VAR_DIR/data" "$root$VAR_DIR/peers" ! -user "$SERVICE_USER" -print -quit 2>/dev/null) ]]; then
		run chown -R "$SERVICE_USER:$SERVICE_USER" "$root$VAR_DIR/data" "$root$VAR_DIR/peers"
	fi
}

ensure_etc_files() {
	local etc=$DESTDIR$ETC_DIR
	if [[ -e $etc/config.json ]]; then
		log "kept $ETC_DIR/config.json"
	else
		render "$SRC_DIR/deploy/config.example.json" "$etc/config.json" 0640 root "$SERVICE_USER"
	fi
	if [[ -e $etc/env ]]; then
		log "kept $ETC_DIR/env"
	else
		render "$SRC_DIR/deploy/env.example" "$etc/env" 0600 "$SERVICE_USER" "$SERVICE_USER"
	fi
	if [[ -e $etc/local.json ]]; then
		log "kept $ETC_DIR/local.json"
	elif [[ -f $IMPORT_LOCAL_JSON && -r $IMPORT_LOCAL_JSON ]]; then
		log "importing the node profile of the original Solar Protocol install: $IMPORT_LOCAL_JSON"
		install_file "$IMPORT_LOCAL_JSON" "$etc/local.json" 0644 root "$SERVICE_USER"
	else
		install_file "$SRC_DIR/deploy/local.example.json" "$etc/local.json" 0644 root "$SERVICE_USER"
		warn "$ETC_DIR/local.json holds the EXAMPLE profile: edit name, lat, long, pvWatts and the rest for this node"
	fi
}

install_file() { # SRC DEST MODE [OWNER GROUP]
	if ((STAGED)) || [[ -z ${4:-} ]]; then
		run install -m "$3" "$1" "$2"
	else
		run install -m "$3" -o "$4" -g "$5" "$1" "$2"
	fi
}

# Puts the app in <install dir>.new while the installed version keeps running: the artifact's files
# as they are; from a checkout, deploy/release.sh builds the artifact first.
build_app() {
	local target=$DESTDIR$INSTALL_DIR
	local stage=$target.new f from=$SRC_DIR
	ensure_parent "$(dirname -- "$target")"
	if [[ -e $stage ]]; then run rm -rf -- "$stage"; fi
	if [[ -e $target.old ]]; then run rm -rf -- "$target.old"; fi
	if ! is_artifact; then
		if ((DRY_RUN)); then
			run "$SRC_DIR/deploy/release.sh" --out "<temporary directory>"
			from='<the unpacked release>'
		else
			[[ -n $WORK_DIR ]] || {
				WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pimesh-install.XXXXXX")
				trap 'rm -rf -- "$WORK_DIR"' EXIT
			}
			log "building a release from the checkout $SRC_DIR (deploy/release.sh)"
			local artifact
			artifact=$(PATH="$(dirname -- "$NODE_BIN"):$(dirname -- "$NPM_BIN"):$PATH" \
				"$SRC_DIR/deploy/release.sh" --out "$WORK_DIR") || die "building the release failed; the installed version is unchanged"
			tar -xzf "$artifact" -C "$WORK_DIR" || die "could not unpack $artifact"
			from=$WORK_DIR/pimesh
		fi
	fi
	run mkdir -p -- "$stage"
	local files=("${APP_FILES[@]}")
	for f in "${APP_FILES_OPTIONAL[@]}"; do
		if ((DRY_RUN)) || [[ -e $from/$f ]]; then files+=("$f"); fi
	done
	run cp -R -- "${files[@]/#/$from/}" "$stage/"
	if ((DRY_RUN)); then
		run "$NODE_BIN" "$stage/dist/cli.js" version
	else
		[[ -f $stage/dist/cli.js ]] || die "the release has no dist/cli.js"
		printf '+ %q %q version\n' "$NODE_BIN" "$stage/dist/cli.js"
		local version
		version=$("$NODE_BIN" "$stage/dist/cli.js" version) || die "the new version does not start with $NODE_BIN"
		log "staged pimesh $version in $stage"
	fi
}

# /usr/local/bin/pimesh: the command, with the service's settings (deploy/pimesh-command.sh).
install_command() {
	ensure_parent "$DESTDIR$BIN_DIR"
	render "$SRC_DIR/deploy/pimesh-command.sh" "$DESTDIR$BIN_DIR/pimesh" 0755
}

swap_in() {
	local target=$DESTDIR$INSTALL_DIR
	if [[ -e $target ]]; then run mv -- "$target" "$target.old"; fi
	run mv -- "$target.new" "$target"
	if ((DRY_RUN)) || [[ -e $target.old ]]; then run rm -rf -- "$target.old"; fi
}

install_units() {
	ensure_parent "$DESTDIR$SYSTEMD_DIR"
	render "$SRC_DIR/deploy/pimesh.service" "$DESTDIR$SYSTEMD_DIR/pimesh.service" 0644
	# A machine without udev (a container, a chroot) gets no rule, and no directory for one.
	if ((STAGED)) || [[ -d $(dirname -- "$UDEV_DIR") ]]; then
		ensure_parent "$DESTDIR$UDEV_DIR"
		install_file "$SRC_DIR/deploy/99-pimesh.rules" "$DESTDIR$UDEV_DIR/99-pimesh.rules" 0644
	else
		log "no $(dirname -- "$UDEV_DIR") (udev is not installed): the udev rule was not installed"
	fi
	install_command
	systemctl_step daemon-reload
	udev_reload
}

# Runs `pimesh config` of the build in APP_DIR as the service user, with the service's environment,
# against the installed configuration. Fails (and prints the problems) when the build rejects it.
check_config() { # APP_DIR
	((STAGED)) && return 0
	if ! command -v runuser >/dev/null 2>&1; then
		warn "runuser not found: the configuration was not checked"
		return 0
	fi
	# The single-quoted script is expanded by that sh, not here.
	# shellcheck disable=SC2016
	local cmd=(runuser -u "$SERVICE_USER" -- env "PIMESH_DATA_DIR=$VAR_DIR/data" "PIMESH_PEERS_DIR=$VAR_DIR/peers"
		/bin/sh -c 'cd "$1" && if [ -r "$2" ]; then set -a && . "$2" && set +a; fi && exec "$3" "$4" config --config "$5"'
		sh "$VAR_DIR" "$ETC_DIR/env" "$NODE_BIN" "$1/dist/cli.js" "$ETC_DIR/config.json")
	if ((DRY_RUN)); then
		run "${cmd[@]}"
		return 0
	fi
	log "checking $ETC_DIR with the new build, as user $SERVICE_USER (pimesh config)"
	"${cmd[@]}" >/dev/null
}

report_started() {
	if ((DRY_RUN || STAGED)) || ! have_systemd; then return 0; fi
	sleep 2
	if unit_is is-active pimesh.service; then
		log "pimesh is running. Logs: journalctl -u pimesh -f"
	else
		warn "pimesh is not running. See: journalctl -u pimesh -n 50 --no-pager"
	fi
}

# ---------------------------------------------------------------------------------------------
# Commands

cmd_install() {
	check_node
	check_npm
	detect_groups
	ensure_user
	ensure_dirs
	ensure_etc_files
	build_app
	local config_ok=1
	check_config "$INSTALL_DIR.new" || config_ok=0
	install_units
	if unit_is is-active pimesh.service; then systemctl_step stop pimesh.service; fi
	swap_in
	if ((config_ok)); then
		systemctl_step enable --now pimesh.service
		report_started
	else
		systemctl_step enable pimesh.service
		warn "pimesh is enabled but NOT started: fix the problems above in $ETC_DIR, then: sudo systemctl start pimesh"
	fi
	log_done "installed: app $INSTALL_DIR, settings $ETC_DIR (config.json, env, local.json), readings $VAR_DIR"
	log "next: edit $ETC_DIR/local.json and $ETC_DIR/env, then: sudo systemctl restart pimesh"
}

cmd_update() {
	[[ -d $DESTDIR$INSTALL_DIR ]] || die "nothing installed at $DESTDIR$INSTALL_DIR: run install first"
	if ((!STAGED)) && ! getent passwd "$SERVICE_USER" >/dev/null; then
		die "user $SERVICE_USER does not exist: run install instead"
	fi
	check_node
	check_npm
	detect_groups
	local restart=0
	if ((STAGED)) || ! have_systemd || unit_is is-active pimesh.service || unit_is is-enabled pimesh.service; then
		restart=1
	fi
	build_app
	if ! check_config "$INSTALL_DIR.new"; then
		run rm -rf -- "$DESTDIR$INSTALL_DIR.new"
		die "update aborted: the new version rejects the configuration in $ETC_DIR (problems above). Nothing else was changed; the installed version keeps running."
	fi
	install_units
	if unit_is is-active pimesh.service; then systemctl_step stop pimesh.service; fi
	swap_in
	if ((restart)); then
		systemctl_step start pimesh.service
		report_started
	else
		log "pimesh.service is disabled and was not running: left stopped"
	fi
	log_done "updated $INSTALL_DIR; $ETC_DIR and $VAR_DIR were kept"
}

cmd_uninstall() {
	local purge=$1 root=$DESTDIR path
	# The timers and /etc/cron.d/pimesh are present only if a steward installed them from cron/;
	# they would fail at every tick once /opt/pimesh is gone.
	local job timers=() files=("$SYSTEMD_DIR/pimesh.service" "$SYSTEMD_DIR/pimesh-job@.service"
		"$SYSTEMD_DIR/pimesh-log-sample.service" "$UDEV_DIR/99-pimesh.rules" "$CRON_DIR/pimesh")
	local dirs=("$INSTALL_DIR" "$INSTALL_DIR.new" "$INSTALL_DIR.old")
	for job in "${JOBS[@]}"; do
		files+=("$SYSTEMD_DIR/pimesh-$job.timer")
		[[ -e $root$SYSTEMD_DIR/pimesh-$job.timer ]] && timers+=("pimesh-$job.timer")
		((purge)) && dirs+=("$SYSTEMD_DIR/pimesh-$job.timer.d")
	done
	if ((${#timers[@]})); then systemctl_step disable --now "${timers[@]}"; fi
	if [[ -e $root$SYSTEMD_DIR/pimesh.service ]]; then
		systemctl_step disable --now pimesh.service
	fi
	# The command only if it is ours (another `pimesh` in BIN_DIR is left alone).
	if grep -qs "installed by pimesh's deploy/install.sh" "$root$BIN_DIR/pimesh"; then files+=("$BIN_DIR/pimesh"); fi
	if ((purge)); then
		dirs+=("$SYSTEMD_DIR/pimesh.service.d" "$SYSTEMD_DIR/pimesh-job@.service.d"
			"$SYSTEMD_DIR/pimesh-log-sample.service.d" "$ETC_DIR" "$VAR_DIR")
	fi
	for path in "${files[@]}"; do
		if [[ -e $root$path ]]; then run rm -f -- "$root$path"; fi
	done
	for path in "${dirs[@]}"; do
		if [[ -e $root$path ]]; then run rm -rf -- "$root$path"; fi
	done
	systemctl_step daemon-reload
	udev_reload
	if ((purge && !STAGED)) && getent passwd "$SERVICE_USER" >/dev/null; then
		run userdel "$SERVICE_USER" || warn "could not delete the user $SERVICE_USER"
	fi
	if ((purge)); then
		local user_gone=", and so is the user $SERVICE_USER"
		((STAGED)) && user_gone=''
		log_done "uninstalled and purged: configuration and readings are gone$user_gone"
	else
		log_done "uninstalled. Kept: $ETC_DIR (configuration), $VAR_DIR (readings) and the user $SERVICE_USER. Remove them with: uninstall --purge"
	fi
}

main() {
	local command='' purge=0
	while (($#)); do
		case $1 in
		install | update | uninstall)
			[[ -z $command ]] || die "one command at a time"
			command=$1
			;;
		--dry-run | -n) DRY_RUN=1 ;;
		--purge) purge=1 ;;
		--from)
			[[ $# -ge 2 ]] || die "--from needs a release file (pimesh-<version>.tgz)"
			FROM=$2
			shift
			;;
		--from=*) FROM=${1#--from=} ;;
		-h | --help | help)
			usage
			return 0
			;;
		*)
			usage >&2
			printf '\npimesh-install: unknown argument: %s\n' "$1" >&2
			return 2
			;;
		esac
		shift
	done
	if [[ -z $command ]]; then
		usage >&2
		return 2
	fi
	((purge)) && [[ $command != uninstall ]] && die "--purge goes with uninstall"
	[[ -n $FROM && $command == uninstall ]] && die "--from goes with install or update"

	check_paths
	require_root "$command"
	((DRY_RUN)) && log "dry run: nothing is changed"
	((STAGED)) && log "DESTDIR=$DESTDIR: files are staged below it"
	case $command in
	install)
		[[ -z $FROM ]] || unpack_from
		check_source
		cmd_install
		;;
	update)
		[[ -z $FROM ]] || unpack_from
		check_source
		cmd_update
		;;
	uninstall) cmd_uninstall "$purge" ;;
	esac
}

main "$@"
