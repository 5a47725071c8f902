#!/usr/bin/env bash
# The Debian package, as an administrator gets it (issue 13): scripts/package.sh
# builds it from this build, lintian passes it (and every informational tag
# left is explained in docs/operations.md), it unpacks into a throwaway root
# with everything the install needs, its dependencies come from the shared
# libraries, and the program in it runs.
#   package_test.sh --build DIR
set -euo pipefail
[[ ${1:-} == --build && -n ${2:-} ]] || { echo "usage: $0 --build DIR" >&2; exit 2; }
build=$(cd "$2" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/oaipmh-package-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "package test: $*" >&2; exit 1; }

"$root/scripts/package.sh" --build "$build" --output "$work/out" >"$work/package.log" 2>&1 ||
  { cat "$work/package.log" >&2; fail "scripts/package.sh failed"; }
package=$(tail -1 "$work/package.log")
[[ $(basename "$package") =~ ^oaipmh_[0-9.]+_[a-z0-9]+\.deb$ ]] || fail "unexpected name $package"

# Each informational tag lintian still reports is explained.
while read -r tag; do
  grep -q "\`$tag\`" "$root/docs/operations.md" || fail "lintian tag $tag is not explained in docs/operations.md"
done < <(grep -oE '^[IP]: oaipmh: [a-z0-9.-]+' "$work/package.log" | awk '{print $3}' | sort -u)

# Dependencies computed from the shared libraries (dpkg-shlibdeps).
depends=$(dpkg-deb -f "$package" Depends)
for library in libc6 libcurl4 libxml2 libsqlite3-0 libpq5 libstdc++6; do
  [[ $depends == *"$library "* || $depends == *"$library," || $depends == *"$library" ]] ||
    fail "Depends lacks $library: $depends"
done
[[ $(dpkg-deb --ctrl-tarfile "$package" | tar -xO ./conffiles) == /etc/oaipmh/oaipmh.toml ]] ||
  fail "the configuration is not a conffile"

dpkg-deb -x "$package" "$work/root"
for file in usr/bin/oaipmh etc/oaipmh/oaipmh.toml \
    usr/lib/systemd/system/oaipmh-harvest.service usr/lib/systemd/system/oaipmh-harvest.timer \
    usr/lib/systemd/system/oaipmh-serve.service usr/lib/sysusers.d/oaipmh.conf \
    usr/lib/tmpfiles.d/oaipmh.conf usr/share/oaipmh/cron.d/oaipmh \
    usr/share/doc/oaipmh/copyright usr/share/doc/oaipmh/changelog.gz \
    usr/share/doc/oaipmh/operations.md usr/share/doc/oaipmh/configuration.md; do
  [[ -s $work/root/$file ]] || fail "the package lacks /$file"
done
for page in oaipmh oaipmh-harvest oaipmh-init oaipmh-query oaipmh-serve oaipmh-show oaipmh-status oaipmh-validate; do
  zcat "$work/root/usr/share/man/man1/$page.1.gz" | grep -q "^\.TH ${page^^} " ||
    fail "the man page $page(1) is missing or misnamed"
done
grep -q '^ExecStart=/usr/bin/oaipmh harvest --quiet --config /etc/oaipmh/oaipmh.toml$' \
  "$work/root/usr/lib/systemd/system/oaipmh-harvest.service" || fail "the harvest unit names other paths"
grep -q '/usr/bin/oaipmh harvest --quiet --config /etc/oaipmh/oaipmh.toml' \
  "$work/root/usr/share/oaipmh/cron.d/oaipmh" || fail "the cron file names other paths"

# The installed program runs, from the throwaway root.
version=$("$work/root/usr/bin/oaipmh" --version) || fail "oaipmh --version failed"
[[ $version == "oaipmh "* ]] || fail "oaipmh --version printed: $version"
"$work/root/usr/bin/oaipmh" harvest --help | grep -q -- '--contact EMAIL' ||
  fail "oaipmh harvest --help does not describe --contact"
echo "package test: $(basename "$package") ($(du -k "$package" | cut -f1) KiB): lintian clean," \
  "every file in place; the installed program runs: ${version%%$'\n'*}"
