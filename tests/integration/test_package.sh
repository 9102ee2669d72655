#!/bin/bash
# Installs like a service: `cmake --install` into a staging root puts the binary, the unit
# (ExecStart naming the installed binary and configuration), the default configuration, the
# man pages and the docs in place; `cpack -G DEB` builds a .deb whose contents match, whose
# unit passes `systemd-analyze verify` on the unpacked tree, and which lintian (when present)
# accepts without errors. The installed binary has no RUNPATH with an empty entry.
# usage: test_package.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
B=$(readlink -f "$1/..")
DEST="$WORK/stage"
DESTDIR="$DEST" \
    cmake --install "$B" --prefix /usr > "$WORK/install.log" 2>&1
check "cmake --install succeeds" test $? -eq 0
for f in usr/bin/causalmon lib/systemd/system/causalmon.service etc/causalmon/causalmon.yaml \
    usr/share/man/man1/causalmon.1.gz usr/share/man/man5/causalmon.yaml.5.gz \
    usr/share/doc/causalmon/README.md usr/share/doc/causalmon/copyright; do
  check "installs /$f" test -s "$DEST/$f"
done
UNIT="$DEST/lib/systemd/system/causalmon.service"
check "the unit runs the installed binary on the installed configuration" \
    grep -q '^ExecStart=/usr/bin/causalmon run --config /etc/causalmon/causalmon.yaml$' "$UNIT"
check "the installed default configuration is valid" \
    "$DEST/usr/bin/causalmon" run --check-config "$DEST/etc/causalmon/causalmon.yaml"
check "the man page lists every command" bash -c "zcat '$DEST/usr/share/man/man1/causalmon.1.gz' | grep -c '^.SS causalmon' | grep -qx 10"
check "the configuration man page holds the option table" \
    bash -c "zcat '$DEST/usr/share/man/man5/causalmon.yaml.5.gz' | grep -q 'sinks\[\].resend'"
rp=$(readelf -d "$DEST/usr/bin/causalmon" | sed -n 's/.*R.*PATH.*\[\(.*\)\]/\1/p')
check "the installed binary has no empty RUNPATH entry ('$rp')" bash -c "case ':$rp:' in *::*) [ -z '$rp' ];; esac"

(cd "$WORK" && cpack -G DEB --config "$B/CPackConfig.cmake" -B "$WORK/pkg" > "$WORK/cpack.log" 2>&1)
DEB=$(ls "$WORK"/pkg/causalmon_*.deb 2> /dev/null | head -1)
check "cpack -G DEB builds a .deb" test -n "$DEB"
[ -n "$DEB" ] || { tail -5 "$WORK/cpack.log"; finish; }
dpkg-deb -I "$DEB" > "$WORK/info"
check "it depends on the shared libraries it links" grep -q 'Depends:.*libzmq5.*' "$WORK/info"
check "/etc/causalmon/causalmon.yaml is a conffile" bash -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xO ./conffiles | grep -qx /etc/causalmon/causalmon.yaml"
mkdir -p "$WORK/root"
dpkg-deb -x "$DEB" "$WORK/root"
check "the .deb holds the same files" cmp -s "$WORK/root/lib/systemd/system/causalmon.service" "$UNIT"
# systemd-analyze verify needs ExecStart's binary where the unit says it is; without
# installing the package on this machine, check the packaged unit with its paths pointing into
# the unpacked tree (`dpkg -i` and a plain `systemd-analyze verify` give the same on a host).
mkdir -p "$WORK/unit"
sed -e "s|/usr/bin/causalmon|$WORK/root/usr/bin/causalmon|g" -e "s|/etc/causalmon/|$WORK/root/etc/causalmon/|g" \
    "$WORK/root/lib/systemd/system/causalmon.service" > "$WORK/unit/causalmon.service"
systemd-analyze verify --man=no "$WORK/unit/causalmon.service" > "$WORK/verify.log" 2>&1
check "systemd-analyze verify passes on the packaged unit" test $? -eq 0
sed 's/^/# /' "$WORK/verify.log" | head -5
if command -v lintian > /dev/null; then
  lintian "$DEB" > "$WORK/lintian.log" 2>&1
  sed 's/^/# /' "$WORK/lintian.log" | grep -v 'root privileges' | head -10
  check "lintian reports no errors" bash -c "! grep -q '^E:' '$WORK/lintian.log'"
fi
finish
