#!/usr/bin/env bash
# Makes Tests/EndToEndTests/Fixtures/state-v1: a state directory written by the release of rekey
# before the journal got a format version (commit 57f7f8d), kept so that tests prove today's code
# still reads, recovers, rotates and re-seals what that release left on a host.
#
# Run it from the repository root with the OLD binaries built (swift build), as root:
#   Tests/EndToEndTests/Fixtures/make-state-v1.sh [BIN_DIR]
#
# Sealed contexts and journals bind absolute paths, so everything lives under one fixed directory
# that the test recreates byte for byte before it runs the binary:
#   /tmp/rekey-fixture-v1/state              the state directory
#   /tmp/rekey-fixture-v1/master.key         the master key (0600)
#   /tmp/rekey-fixture-v1/all-credentials.env  the consumer's env file
#   /tmp/rekey-fixture-v1/playbook.yml       the playbook (server http://127.0.0.1:47391)
# The stand-in Gitea listens on the fixed port 47391, which the journals record; the test starts
# its stand-in there with the same user and password (ops-automation / fixture-v1-password).
#
# What the state directory holds, in order:
#   1. a verified rotation                                   (outcome done)
#   2. a rotation whose probe failed and was rolled back     (exit 80)
#   3. a second verified rotation                            (outcome done)
#   4. `rekey rollback fixture-host`, undoing rotation 3     (operation rollback)
#   5. a rotation killed right after its backup              (unfinished: runs/active/fixture-host)
# and two vault entries: ops-automation (password) and totp-persona (password and TOTP seed).
set -euo pipefail
bin=${1:-$(swift build --show-bin-path)}
root=/tmp/rekey-fixture-v1
port=47391
password=fixture-v1-password
out=$(cd "$(dirname "$0")" && pwd)/state-v1

rm -rf "$root" && mkdir -p "$root"
export REKEY_STATE_DIR=$root/state REKEY_KEY_FILE=$root/master.key
"$bin/gitea-standin" --user "ops-automation:$password" --port $port >"$root/standin.out" 2>"$root/standin.log" &
standin=$!
trap 'kill $standin 2>/dev/null || true' EXIT
url=http://127.0.0.1:$port
for _ in $(seq 50); do curl -fsS "$url/api/v1/version" >/dev/null 2>&1 && break; sleep 0.2; done

"$bin/rekey" init >/dev/null
printf '%s\n' "$password" | "$bin/rekey" vault set ops-automation --username ops-automation >/dev/null
printf '%s\n%s\n' "totp-password" "JBSWY3DPEHPK3PXP" | "$bin/rekey" vault set totp-persona --username totp-user --totp >/dev/null

old=$(printf 'user = "ops-automation:%s"\n' "$password" | curl -fsS -K - -H 'Content-Type: application/json' \
    -d '{"name":"fixture-initial","scopes":["write:repository","read:user"]}' \
    "$url/api/v1/users/ops-automation/tokens" | sed -n 's/.*"sha1":"\([0-9a-f]*\)".*/\1/p')
cat >"$root/all-credentials.env" <<ENV
# credentials for the fixture jobs; sourced by cron
GITEA_URL=$url
# ops-automation PAT fixture-initial
GITEA_TOKEN=$old
DEPLOY_USER=ops
ENV
chmod 600 "$root/all-credentials.env"
cat >"$root/playbook.yml" <<YML
version: 1
consumer: fixture-host
gitea:
  url: $url
  persona: ops-automation
token:
  name: "fixture-{run}"
  scopes: [write:repository, read:user]
target:
  file: $root/all-credentials.env
  key: GITEA_TOKEN
  comment: "# ops-automation PAT {token_name} (…{last8}) rotated {utc} by rekey run {run}"
probe:
  login: ops-automation
YML

"$bin/rekey" run "$root/playbook.yml" >/dev/null
sleep 1
curl -fsS -X POST -H 'Content-Type: application/json' -d '{"route":"user","times":1,"login":"somebody-else"}' "$url/_standin/faults" >/dev/null
set +e; "$bin/rekey" run "$root/playbook.yml" >/dev/null 2>&1; code=$?; set -e
[ "$code" -eq 80 ] || { echo "expected exit 80 from the failed probe, got $code" >&2; exit 1; }
sleep 1
"$bin/rekey" run "$root/playbook.yml" >/dev/null
sleep 1
"$bin/rekey" rollback fixture-host >/dev/null
sleep 1
set +e; REKEY_TEST_CRASH_AT=after-backup "$bin/rekey" run "$root/playbook.yml" >/dev/null 2>&1; code=$?; set -e
[ "$code" -eq 137 ] || { echo "expected the run to be killed (137), got $code" >&2; exit 1; }
[ -s "$root/state/runs/active/fixture-host" ] || { echo "no unfinished run was left" >&2; exit 1; }

rm -rf "$out" && mkdir -p "$out"
cp -a "$root/state" "$root/master.key" "$root/all-credentials.env" "$root/playbook.yml" "$out/"
echo "wrote $out"
