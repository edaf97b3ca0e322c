#!/usr/bin/env bash
# Builds the release artifact: pimesh-<version>.tgz, a directory `pimesh/` holding the compiled
# dist/, the production dependencies (node_modules/, pruned), package.json, npm-shrinkwrap.json,
# deploy/ and cron/. Installing it needs Node.js and nothing else: no npm, no compiler, no download
# (deploy/install.sh install --from pimesh-<version>.tgz).
#
#   deploy/release.sh [--out DIR]      default DIR: the system's temp directory
#
# Run it on any machine with Node.js and npm (a laptop, CI): npm fetches the locked packages from the
# npm registry with install scripts off, so nothing is compiled. The artifact is the same for every
# CPU: the only native code it carries is serialport's prebuilt bindings (all platforms). SQLite
# comes from Node's own node:sqlite (22.13 and later); better-sqlite3 and onoff, optional native
# modules, are left out.
set -euo pipefail
umask 022

SRC_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
OUT_DIR=${TMPDIR:-/tmp}
while (($#)); do
	case $1 in
	--out) OUT_DIR=${2:?--out needs a directory}; shift ;;
	-h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) printf 'release.sh: unknown argument %s (see --help)\n' "$1" >&2; exit 2 ;;
	esac
	shift
done
mkdir -p -- "$OUT_DIR"
OUT_DIR=$(cd -- "$OUT_DIR" && pwd)

log() { printf 'pimesh-release: %s\n' "$*" >&2; }

version=$(node -p "require('$SRC_DIR/package.json').version")
work=$(mktemp -d "${TMPDIR:-/tmp}/pimesh-release.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
build=$work/build
stage=$work/pimesh
mkdir -p -- "$build" "$stage"

log "building pimesh $version from $SRC_DIR"
cp -R -- "$SRC_DIR/package.json" "$SRC_DIR/package-lock.json" "$SRC_DIR/tsconfig.json" "$SRC_DIR/src" "$build/"
# Every package, scripts off: TypeScript needs no native module.
(cd "$build" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && npx tsc -p .)

cp -R -- "$build/dist" "$build/package.json" "$SRC_DIR/deploy" "$SRC_DIR/cron" "$stage/"
cp -- "$SRC_DIR/README.md" "$stage/"
# The lock goes along as a shrinkwrap, so `npm ci` in the artifact (never needed) would be exact.
cp -- "$SRC_DIR/package-lock.json" "$stage/npm-shrinkwrap.json"
node - "$stage/package.json" <<'EOF'
// The artifact's package.json runs the compiled code: no build, no dev tools.
const fs = require('node:fs');
const file = process.argv[2];
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
delete p.devDependencies;
p.scripts = { start: 'node --max-semi-space-size=2 dist/cli.js serve' };
fs.writeFileSync(file, `${JSON.stringify(p, null, 2)}\n`);
EOF
(cd "$stage" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error)

log "pruning node_modules"
nm=$stage/node_modules
# Sources, maps, typings, docs and tests of the dependencies: nothing at run time reads them.
find "$nm" -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.md' \
	-o -name '*.markdown' -o -name '.npmignore' -o -name '.eslintrc*' -o -name '.prettierrc*' -o -name '*.tsbuildinfo' \) \
	! -iname 'license*' -delete
find "$nm" -depth -type d \( -name test -o -name tests -o -name __tests__ -o -name docs -o -name example \
	-o -name examples -o -name .github -o -name benchmark -o -name benchmarks \) -prune -exec rm -rf -- {} +
rm -rf -- "$nm/@types"
# /docs serves swagger-ui's bundle and stylesheet; the rest of the package (other builds, maps) is unused.
if [[ -d $nm/swagger-ui-dist ]]; then
	find "$nm/swagger-ui-dist" -type f ! \( -name 'swagger-ui-bundle.js' -o -name 'swagger-ui.css' \
		-o -name 'package.json' -o -name 'LICENSE' -o -name 'NOTICE' -o -name 'favicon-*.png' -o -name 'index.js' \
		-o -name 'absolute-path.js' \) -delete
fi
find "$nm" -type d -empty -delete

{
	printf 'pimesh %s\n' "$version"
	printf 'built %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	if git -C "$SRC_DIR" rev-parse --short HEAD >/dev/null 2>&1; then
		printf 'commit %s%s\n' "$(git -C "$SRC_DIR" rev-parse --short HEAD)" \
			"$(git -C "$SRC_DIR" diff --quiet HEAD 2>/dev/null || printf ' (with uncommitted changes)')"
	fi
	printf 'node %s\n' "$(node -p "require('$stage/package.json').engines.node")"
} >"$stage/RELEASE"

# The artifact must start as it is.
node "$stage/dist/cli.js" version >/dev/null || { log "the staged build does not start"; exit 1; }

artifact=$OUT_DIR/pimesh-$version.tgz
tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$artifact.tmp" pimesh
mv -- "$artifact.tmp" "$artifact"
log "$(du -sh "$stage" | cut -f1) unpacked, $(du -h "$artifact" | cut -f1) packed"
printf '%s\n' "$artifact"
