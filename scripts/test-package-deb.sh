#!/usr/bin/env bash
# Checks the twadvise Debian package: builds it with scripts/package-deb.sh (or takes TWADVISE_DEB=PATH), then
# checks its control fields and file list, lints it (lintian, if installed), runs the extracted binary with no
# Swift runtime around it, checks the systemd unit, and installs, removes and purges it in a throw-away dpkg
# root. Nothing is installed on this machine. Tools that are missing skip their check, with the reason shown.
#
# Environment: TWADVISE_DEB (a built package), else everything scripts/package-deb.sh takes.
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
ok() { printf 'ok    %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; failures=$((failures + 1)); }
skip() { printf 'skip  %s\n' "$*"; }
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}

command -v dpkg-deb >/dev/null || { echo "test-package-deb: dpkg-deb not found (install dpkg)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/twadvise-deb-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -n "${TWADVISE_DEB:-}" ]; then
  deb=$TWADVISE_DEB
else
  deb=$(scripts/package-deb.sh | tail -1)
fi
[ -f "$deb" ] || { echo "test-package-deb: no package at '$deb'" >&2; exit 1; }
echo "package: $deb ($(stat -c %s "$deb") bytes)"

# --- Control fields -----------------------------------------------------------------------------------------
dpkg-deb -f "$deb" >"$work/control"
field() { dpkg-deb -f "$deb" "$1"; }
for f in Package Version Architecture Maintainer Installed-Size Depends Recommends Section Priority Description; do
  check "control has $f" test -n "$(field "$f")"
done
check "Package is twadvise" test "$(field Package)" = twadvise
check "Architecture is this machine's ($(dpkg --print-architecture))" test "$(field Architecture)" = "$(dpkg --print-architecture)"
check "Version is valid: $(field Version)" dpkg --validate-version "$(field Version)"
depends=$(field Depends)
echo "Depends: $depends"
check "Depends has libc6 with a minimum version" grep -qE '(^|, )libc6 \(>= [0-9]+\.[0-9]+\)' <<<"$depends"
check "Depends names no Swift runtime package" bash -c '! grep -qi swift <<<"$1"' _ "$depends"
check "Recommends libsqlite3-0 (the recorder's store)" grep -qw libsqlite3-0 <<<"$(field Recommends)"
check "Recommends libcurl (--prometheus, loaded at run time)" grep -qE '(^|, )libcurl4' <<<"$(field Recommends)"
check "Depends names no libcurl (not loaded at start)" bash -c '! grep -q libcurl <<<"$1"' _ "$depends"
check "Section net, Priority optional" test "$(field Section)/$(field Priority)" = net/optional
check "Description has a synopsis and a long part" test "$(field Description | wc -l)" -ge 3

# --- Files, modes and owners --------------------------------------------------------------------------------
dpkg-deb -c "$deb" >"$work/contents"
# "-rwxr-xr-x root/root 123 2025-01-01 00:00 ./usr/bin/twadvise" -> "mode owner path"
awk '{ p = $6; for (i = 7; i <= NF; i++) p = p " " $i; print $1, $2, p }' "$work/contents" >"$work/listing"
expect_file() {  # expect_file PATH MODE
  local line; line=$(awk -v p="./${1#/}" '$3 == p' "$work/listing")
  if [ -z "$line" ]; then fail "$1 is in the package"; return; fi
  check "$1 is $2 root/root" test "${line% *}" = "$2 root/root"
}
expect_file /usr/bin/twadvise -rwxr-xr-x
for f in /usr/share/man/man1/twadvise.1.gz /usr/share/bash-completion/completions/twadvise \
  /usr/share/zsh/vendor-completions/_twadvise /usr/share/fish/vendor_completions.d/twadvise.fish \
  /usr/share/doc/twadvise/README.md /usr/share/doc/twadvise/copyright /usr/share/doc/twadvise/changelog.gz \
  /usr/share/doc/twadvise/changelog.Debian.gz /lib/systemd/system/twadvise-record.service; do
  expect_file "$f" -rw-r--r--
done
for f in docs/*.md; do expect_file "/usr/share/doc/twadvise/${f##*/}" -rw-r--r--; done
check "every entry is owned by root/root" bash -c '! awk "\$2 != \"root/root\"" "$1" | grep -q .' _ "$work/listing"
check "directories are 0755, files 0644 or 0755, nothing else (no links, devices)" \
  bash -c '! awk "\$1 != \"drwxr-xr-x\" && \$1 != \"-rw-r--r--\" && \$1 != \"-rwxr-xr-x\"" "$1" | grep -q .' _ "$work/listing"
check "only /usr/bin/twadvise is executable" \
  test "$(awk '$1 == "-rwxr-xr-x" { print $3 }' "$work/listing")" = ./usr/bin/twadvise
check "no /etc files, so no conffiles" bash -c '! grep -q " \./etc/." "$1"' _ "$work/listing"

dpkg-deb -e "$deb" "$work/DEBIAN"
for s in postinst prerm postrm; do
  check "maintainer script $s is 0755 and valid sh" bash -c 'test "$(stat -c %a "$1")" = 755 && sh -n "$1"' _ "$work/DEBIAN/$s"
done
check "maintainer scripts enable nothing on a new install" bash -c '! grep -q "deb-systemd-invoke start\|systemctl enable" "$1"/postinst' _ "$work/DEBIAN"
check "no conffiles list" test ! -e "$work/DEBIAN/conffiles"
check "md5sums lists every file" test "$(wc -l <"$work/DEBIAN/md5sums")" = "$(awk '$1 ~ /^-/' "$work/listing" | wc -l)"
check "copyright is machine-readable (DEP-5)" grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
  <(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/doc/twadvise/copyright)

# --- lintian ------------------------------------------------------------------------------------------------
if command -v lintian >/dev/null; then
  # Errors fail the test; warnings are shown. The tags below are expected for this way of building (no
  # source package) or decided on purpose (a statically linked runtime; a Debian revision on upstream builds).
  # embedded-library: libyaml comes inside Yams, linked statically like the Swift runtime (both named in
  # copyright). initial-upload-closes-no-bugs: the package is not uploaded to Debian.
  lintian --tag-display-limit 0 --suppress-tags embedded-library,initial-upload-closes-no-bugs \
    "$deb" >"$work/lintian" 2>&1 || true
  cat "$work/lintian"
  check "lintian reports no errors" bash -c '! grep -q "^E: " "$1"' _ "$work/lintian"
  check "lintian reports no warnings" bash -c '! grep -q "^W: " "$1"' _ "$work/lintian"
else
  skip "lintian (not installed: apt-get install lintian)"
fi

# --- The extracted binary -----------------------------------------------------------------------------------
ext=$work/extracted
dpkg-deb -x "$deb" "$ext"
tw=$ext/usr/bin/twadvise
run() { env -i PATH=/usr/bin:/bin HOME="$work" LANG=C.UTF-8 "$tw" "$@"; }  # no LD_LIBRARY_PATH, no toolchain
upstream=$(field Version); upstream=${upstream%-*}
check "twadvise --version prints $upstream" test "$(run --version)" = "$upstream"
check "twadvise --help shows usage" bash -c 'grep -q "USAGE: twadvise" <<<"$1"' _ "$(run --help)"
run rules list >"$work/rules" 2>&1 || true
check "twadvise rules list lists the built-in rules (nothing on disk)" grep -q 'ports.destination-exhaustion' "$work/rules"
if command -v ldd >/dev/null; then
  ldd "$tw" >"$work/ldd" 2>&1 || true
  check "ldd: no libswift*, every library found" bash -c '! grep -qi "libswift\|not found" "$1"' _ "$work/ldd"
else
  skip "ldd (not installed)"
fi
check "objdump: no NEEDED Swift or Foundation library" \
  bash -c '! objdump -p "$1" | awk "\$1 == \"NEEDED\"" | grep -qi "swift\|foundation\|dispatch"' _ "$tw"
check "no RPATH/RUNPATH (nothing loaded from beside a copied binary)" \
  bash -c '! objdump -p "$1" | grep -qE "^ *(RPATH|RUNPATH) "' _ "$tw"
check "the binary is stripped" bash -c '! objdump -h "$1" | grep -q " \.symtab\| \.debug_"' _ "$tw"
glibc=$(objdump -T "$tw" | grep -o 'GLIBC_[0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -1)
check "Depends' libc6 version is the measured oldest glibc ($glibc)" grep -q "libc6 (>= $glibc)" <<<"$depends"
if command -v dpkg-shlibdeps >/dev/null; then
  # dpkg-shlibdeps (dpkg-dev) wants a debian/control and the binary in a package tree.
  mkdir -p "$work/shlibdeps/debian" && printf 'Source: twadvise\n\nPackage: twadvise\nArchitecture: any\n' \
    >"$work/shlibdeps/debian/control"
  shlibdeps=$(cd "$work/shlibdeps" && dpkg-shlibdeps -O "$tw" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
  sorted() { tr ',' '\n' <<<"$1" | sed 's/^ *//' | sort | paste -sd, -; }
  check "Depends agrees with dpkg-shlibdeps ($shlibdeps)" test "$(sorted "$depends")" = "$(sorted "$shlibdeps")"
else
  skip "cross-check with dpkg-shlibdeps (not installed: apt-get install dpkg-dev)"
fi

# The manual page and the completions the package carries.
check "manual page is a gzip'd roff page" bash -c 'gzip -dc "$1" | head -5 | grep -q "^\.\(Dd\|TH\|Dt\)"' _ \
  "$ext/usr/share/man/man1/twadvise.1.gz"
check "bash completion has no #! line (it is sourced)" bash -c '! head -1 "$1" | grep -q "^#!"' _ "$ext/usr/share/bash-completion/completions/twadvise"
check "bash completion parses" bash -n "$ext/usr/share/bash-completion/completions/twadvise"
check "zsh completion defines _twadvise" grep -q '_twadvise' "$ext/usr/share/zsh/vendor-completions/_twadvise"
check "fish completion completes twadvise" grep -q "^complete -c '\\?twadvise'\\? " "$ext/usr/share/fish/vendor_completions.d/twadvise.fish"
if command -v zsh >/dev/null; then check "zsh completion parses" zsh -n "$ext/usr/share/zsh/vendor-completions/_twadvise"; fi
if command -v fish >/dev/null; then check "fish completion parses" fish -n "$ext/usr/share/fish/vendor_completions.d/twadvise.fish"; fi

# diagnose --format json of a captured tree: a client pressing one upstream (27,300 TIME_WAIT of R = 28,232),
# the same shape as the test suite's client-exhaustion scenario (Tests/Support/Scenarios.swift).
tree=$work/tree
mkdir -p "$tree/proc/sys/kernel" "$tree/proc/sys/net/ipv4" "$tree/proc/sys/net/core" "$tree/proc/sys/fs" "$tree/proc/net"
w() { printf '%b' "$2" >"$tree/$1"; }
w proc/sys/kernel/hostname 'api-client-7\n'
w proc/sys/kernel/osrelease '6.1.0-25-amd64\n'
w proc/sys/net/ipv4/ip_local_port_range '32768\t60999\n'
w proc/sys/net/ipv4/ip_local_reserved_ports '\n'
w proc/sys/net/ipv4/ip_unprivileged_port_start '1024\n'
w proc/sys/net/ipv4/ip_autobind_reuse '0\n'
w proc/sys/net/ipv4/tcp_tw_reuse '2\n'
w proc/sys/net/ipv4/tcp_timestamps '1\n'
w proc/sys/net/ipv4/tcp_fin_timeout '60\n'
w proc/sys/net/ipv4/tcp_max_tw_buckets '131072\n'
w proc/sys/net/ipv4/tcp_max_orphans '131072\n'
w proc/sys/net/ipv4/tcp_syn_retries '6\n'
w proc/sys/net/ipv4/tcp_mem '45588\t60787\t91176\n'
w proc/sys/net/core/somaxconn '4096\n'
w proc/sys/fs/file-max '2466170\n'
w proc/sys/fs/nr_open '1048576\n'
w proc/sys/fs/file-nr '512\t0\t2466170\n'
w proc/uptime '3600.50 7000.00\n'
w proc/net/sockstat 'sockets: used 141\nTCP: inuse 121 orphan 0 tw 27300 alloc 123 mem 3\nUDP: inuse 2 mem 1\n'
w proc/net/sockstat6 'TCP6: inuse 0\nUDP6: inuse 0\n'
w proc/net/netstat 'TcpExt: TW TWRecycled TWKilled PAWSActive PAWSEstab TCPTimeWaitOverflow TCPAbortOnData\nTcpExt: 9120331 0 0 0 0 0 12\n'
w proc/net/snmp 'Tcp: RtoAlgorithm ActiveOpens PassiveOpens CurrEstab MaxConn\nTcp: 1 0 0 0 -1\n'
w proc/net/tcp6 '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'
awk 'function ip(a, b, c, d) { return sprintf("%02X%02X%02X%02X", d, c, b, a) }
  function line(lport, ra, rport, st) {
    printf "%4d: %s:%04X %s:%04X %02X 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0\n",
      slot++, ip(10, 0, 0, 5), lport, ra, rport, st }
  BEGIN {
    print "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
    for (i = 0; i < 27300; i++) line(32768 + i, ip(10, 0, 0, 9), 443, 6)
    for (i = 0; i < 100; i++) line(60100 + i, ip(10, 0, 0, 9), 443, 1)
  }' >"$tree/proc/net/tcp"
status=0
run diagnose --root "$tree" --format json >"$work/report.json" 2>"$work/report.err" || status=$?
check "diagnose --root TREE --format json exits 0 (got $status)" test "$status" = 0
[ "$status" = 0 ] || sed 's/^/  stderr: /' "$work/report.err" | head -5
if command -v python3 >/dev/null; then
  check "the report is JSON" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/report.json"
else
  skip "JSON syntax (no python3)"
fi
check "the report finds the exhaustion toward 10.0.0.9:443" grep -q 'ports.destination-exhaustion' "$work/report.json"
check "the report names the host of the tree" grep -q 'api-client-7' "$work/report.json"

# --- The systemd unit ---------------------------------------------------------------------------------------
unit=$ext/lib/systemd/system/twadvise-record.service
check "the unit runs /usr/bin/twadvise record --dir /var/lib/twadvise" \
  grep -qx 'ExecStart=/usr/bin/twadvise record --dir /var/lib/twadvise' "$unit"
check "the unit is the one kept in packaging/" cmp -s "$unit" packaging/twadvise-record.service
if command -v systemd-analyze >/dev/null; then
  # The unit as installed, with ExecStart= pointing at the extracted binary (this machine has none installed).
  mkdir -p "$work/unit"
  sed "s|/usr/bin/twadvise|$tw|g" "$unit" >"$work/unit/twadvise-record.service"
  if systemd-analyze verify "$work/unit/twadvise-record.service" >"$work/verify" 2>&1; then
    ok "systemd-analyze verify"
  elif grep -v "'man twadvise(1)' failed" "$work/verify" | grep -q .; then
    fail "systemd-analyze verify"; sed 's/^/  /' "$work/verify"
  else
    # Documentation=man:twadvise(1) cannot be found while the package is not installed.
    ok "systemd-analyze verify (apart from man:twadvise(1), not installed here)"
  fi
  if systemd-analyze security --offline=true --threshold=25 "$unit" >"$work/security" 2>&1; then
    ok "systemd-analyze security: $(grep -o 'exposure level.*' "$work/security")"
  else
    fail "systemd-analyze security above 2.5: $(grep -o 'exposure level.*' "$work/security")"
  fi
else
  skip "systemd-analyze verify/security (systemd not installed)"
fi

# --- Install, remove and purge, in a throw-away root --------------------------------------------------------
# dpkg --root would run the maintainer scripts chrooted into an empty root (no /bin/sh there); with
# --force-script-chrootless they run here with DPKG_ROOT set, which they and deb-systemd-helper honour: no
# systemctl call, no file outside the root. Dependencies are not in that root's database: --force-depends.
if command -v deb-systemd-helper >/dev/null; then
  droot=$work/dpkg-root
  mkdir -p "$droot/var/lib/dpkg/info" "$droot/var/lib/dpkg/updates"
  : >"$droot/var/lib/dpkg/status"
  dpkg_root() {
    dpkg --root="$droot" --force-script-chrootless --force-depends --force-not-root --log=/dev/null "$@" \
      >>"$work/dpkg.log" 2>&1
  }
  if dpkg_root -i "$deb"; then
    ok "dpkg --root TMP -i"
    check "installed: /usr/bin/twadvise runs from the root" bash -c '"$1"/usr/bin/twadvise --version >/dev/null' _ "$droot"
    check "installed disabled: no multi-user.target.wants link" test ! -e "$droot/etc/systemd/system/multi-user.target.wants/twadvise-record.service"
    check "dpkg -L lists the unit" bash -c 'dpkg --root="$1" -L twadvise | grep -q twadvise-record.service' _ "$droot"
    mkdir -p "$droot/var/lib/private/twadvise" && ln -s private/twadvise "$droot/var/lib/twadvise"
    : >"$droot/var/lib/private/twadvise/history.sqlite"
    if dpkg_root -r twadvise; then
      ok "dpkg --root TMP -r"
      check "removed: binary gone, recorded data kept" bash -c 'test ! -e "$1/usr/bin/twadvise" && test -e "$1/var/lib/private/twadvise/history.sqlite"' _ "$droot"
    else
      fail "dpkg --root TMP -r"; tail -5 "$work/dpkg.log"
    fi
    if dpkg_root -P twadvise; then
      ok "dpkg --root TMP -P"
      check "purged: recorded data gone" bash -c 'test ! -e "$1/var/lib/twadvise" && test ! -e "$1/var/lib/private/twadvise"' _ "$droot"
    else
      fail "dpkg --root TMP -P"; tail -5 "$work/dpkg.log"
    fi
  else
    fail "dpkg --root TMP -i"; tail -10 "$work/dpkg.log"
  fi
else
  skip "install into a throw-away root (no deb-systemd-helper: apt-get install init-system-helpers)"
fi

echo
if [ "$failures" -gt 0 ]; then
  echo "test-package-deb: $failures check(s) failed"
  exit 1
fi
echo "test-package-deb: all checks passed"
