#!/usr/bin/env bash
# The unsafe shell way to rotate a Gitea token in an env file, kept as scripts/bench's baseline:
# cp for a backup, curl to mint, sed -i to rewrite, curl to probe. No fsync, no sealing, no
# journal, no rollback, and the new token passes through sed's argv. Never use it for real.
# Usage: GITEA_URL=... scripts/bench-baseline.sh ENV_FILE   (reads "user:password" on stdin)
set -euo pipefail
file=$1
IFS= read -r credential
user=${credential%%:*}
cp -p "$file" "$file.bak"
name="baseline-$(date +%s%N)"
token=$(printf 'user = "%s"\n' "$credential" | curl -fsS -K - -H 'Content-Type: application/json' \
    -d "{\"name\":\"$name\",\"scopes\":[\"read:repository\",\"read:user\"]}" \
    "$GITEA_URL/api/v1/users/$user/tokens" | sed -n 's/.*"sha1":"\([0-9a-f]*\)".*/\1/p')
[ -n "$token" ]
sed -i "s/^GITEA_TOKEN=.*/GITEA_TOKEN=$token/" "$file"
printf 'header = "Authorization: token %s"\n' "$token" | curl -fsS -K - "$GITEA_URL/api/v1/user" >/dev/null
