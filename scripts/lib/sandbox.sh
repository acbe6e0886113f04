# Shared by scripts/demo and scripts/bench: a throwaway host for the real rekey binary.
# Source it after `. scripts/install`; it builds the binaries, starts the stand-in Gitea on
# 127.0.0.1 (port 0) with one user, runs `rekey init` and `vault set` in a temp directory, and
# writes an operator-style env file holding a real token minted through the API.
# Sets: bin rekey sandbox GITEA_URL password old REKEY_STATE_DIR REKEY_KEY_FILE REKEY_DEMO_DIR.
# The stand-in is stopped and the directory removed on exit.

sandbox_build() {
    local log
    log=$(mktemp)
    for product in rekey gitea-standin; do
        swift build "$@" --product "$product" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
    done
    rm -f "$log"
    bin=$(swift build "$@" --show-bin-path 2>/dev/null)
    rekey="$bin/rekey"
}

sandbox_start() {
    sandbox=$(mktemp -d /tmp/rekey-sandbox.XXXXXX)
    standin_pid=""
    trap 'sandbox_stop' EXIT
    # A throwaway password for the stand-in's user. rekey reads it on standard input only; the
    # stand-in (a test server, not part of rekey) takes its users on its command line.
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    mkfifo "$sandbox/standin.out"
    "$bin/gitea-standin" --user "ops-automation:$password" --port 0 >"$sandbox/standin.out" 2>"$sandbox/standin.log" &
    standin_pid=$!
    exec 3<"$sandbox/standin.out"
    read -r GITEA_URL <&3
    export GITEA_URL
    export REKEY_STATE_DIR="$sandbox/state" REKEY_KEY_FILE="$sandbox/master.key" REKEY_DEMO_DIR="$sandbox"
    "$rekey" init >/dev/null
    printf '%s\n' "$password" | "$rekey" vault set ops-automation --username ops-automation >/dev/null

    # The old token is minted through the same API, so that it is real and valid. The password goes
    # to curl on its standard input (-K -), never on its command line.
    old=$(printf 'user = "ops-automation:%s"\n' "$password" | curl -fsS -K - -H 'Content-Type: application/json' \
        -d '{"name":"ops-automation-initial","scopes":["write:repository","read:user"]}' \
        "$GITEA_URL/api/v1/users/ops-automation/tokens" | sed -n 's/.*"sha1":"\([0-9a-f]*\)".*/\1/p')
    cat >"$sandbox/all-credentials.env" <<ENV
# credentials for the ops automation jobs; sourced by cron
GITEA_URL=$GITEA_URL
# ops-automation PAT ops-automation-initial
GITEA_TOKEN=$old
DEPLOY_USER=ops
export BACKUP_BUCKET="s3://ops-backups"
ENV
    chmod 600 "$sandbox/all-credentials.env"
}

sandbox_stop() {
    [ -n "${standin_pid:-}" ] && kill "$standin_pid" 2>/dev/null || true
    [ -n "${sandbox:-}" ] && rm -rf "$sandbox"
}
