#!/usr/bin/python
# -*- coding: utf-8 -*-
# rekey_run: run `rekey run --unattended --json` on a host and report changed/failed per consumer.
# Copy contrib/ansible/library next to your playbook (or set ANSIBLE_LIBRARY) to use it.

from __future__ import annotations

DOCUMENTATION = r"""
module: rekey_run
short_description: Rotate the secrets that are due on a host with rekey
description:
  - Runs C(rekey run --unattended --json) over the given playbooks or directories of playbooks and
    reports what it did, one entry per consumer.
  - The task is C(changed) when any consumer was rotated or healed, and C(failed) when any consumer
    failed, rolled back, needs attention or is stuck (rekey's own judgement, its C(failed) key).
  - Check mode is not supported; the task is skipped in check mode. Use C(rekey run --dry-run PLAYBOOK)
    on the host to see a plan.
options:
  playbooks:
    description: Playbook files or directories of playbooks.
    type: list
    elements: path
    default: [/etc/rekey/playbooks]
  binary:
    description: The rekey executable.
    type: path
    default: /usr/local/bin/rekey
  force:
    description: Rotate every consumer, due or not (C(--force)).
    type: bool
    default: false
  parallel:
    description: At most this many consumers at once (C(--parallel)); rekey's default when omitted.
    type: int
  max_heal:
    description: At most this many self-heals of rejected tokens (C(--max-heal)); rekey's default when omitted.
    type: int
  prometheus:
    description: Also write node_exporter's textfile to this path (C(--prometheus)).
    type: path
  state_dir:
    description: The state directory (C(--state-dir)); rekey's default when omitted.
    type: path
"""

EXAMPLES = r"""
- name: Rotate what is due
  rekey_run:
    playbooks: [/etc/rekey/playbooks]
  register: rekey
"""

RETURN = r"""
consumers:
  description: One entry per consumer, as rekey printed it.
  type: list
  elements: dict
  contains:
    consumer: {description: The consumer's name., type: str}
    playbook: {description: Its playbook., type: str}
    outcome: {description: "rotated, healed, not-due, failed, rolled-back, needs-attention, stuck, busy or skipped", type: str}
    changed: {description: Whether its file changed., type: bool}
    failed: {description: Whether it failed., type: bool}
    msg: {description: One line about it., type: str}
    rc: {description: Its exit code (the README's table)., type: int}
changed_consumers: {description: Names of the consumers that were rotated or healed., type: list, elements: str}
failed_consumers: {description: Names of the consumers that failed., type: list, elements: str}
rc: {description: rekey's exit code (its worst consumer's)., type: int}
"""

import json

from ansible.module_utils.basic import AnsibleModule

# The keys `rekey run --unattended --json` prints for each consumer (README, "Unattended runs").
CONSUMER_KEYS = ("consumer", "playbook", "outcome", "changed", "failed", "msg", "rc")


def command(params):
    argv = [params["binary"], "run", "--unattended", "--json"]
    if params["force"]:
        argv.append("--force")
    for option, flag in (("parallel", "--parallel"), ("max_heal", "--max-heal"),
                         ("prometheus", "--prometheus"), ("state_dir", "--state-dir")):
        if params[option] is not None:
            argv += [flag, str(params[option])]
    return argv + ["--"] + list(params["playbooks"])


def parse(stdout):
    """rekey's one JSON object, checked for the keys this module reads; None when it is not that."""
    try:
        document = json.loads(stdout)
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("consumers"), list):
        return None
    for entry in document["consumers"]:
        if not isinstance(entry, dict) or any(key not in entry for key in CONSUMER_KEYS):
            return None
    return document


def main():
    module = AnsibleModule(
        argument_spec=dict(
            playbooks=dict(type="list", elements="path", default=["/etc/rekey/playbooks"]),
            binary=dict(type="path", default="/usr/local/bin/rekey"),
            force=dict(type="bool", default=False),
            parallel=dict(type="int"),
            max_heal=dict(type="int"),
            prometheus=dict(type="path"),
            state_dir=dict(type="path"),
        ),
        supports_check_mode=False,
    )
    argv = command(module.params)
    # stdin closed: rekey never prompts under --unattended, and must not find a terminal either.
    rc, stdout, stderr = module.run_command(argv, environ_update={"LC_ALL": "C"})
    document = parse(stdout)
    if document is None:
        module.fail_json(msg="rekey printed no JSON report (exit %d): %s" % (rc, (stderr or stdout).strip()[-2000:]),
                         rc=rc, cmd=argv, stderr=stderr, changed=False)

    consumers = [{key: entry.get(key) for key in CONSUMER_KEYS + ("run", "token", "drift")} for entry in document["consumers"]]
    result = dict(
        changed=bool(document.get("changed")),
        rc=document.get("rc", rc),
        msg=document.get("msg") or "",
        consumers=consumers,
        changed_consumers=[entry["consumer"] for entry in consumers if entry["changed"]],
        failed_consumers=[entry["consumer"] for entry in consumers if entry["failed"]],
        stderr=stderr,
        cmd=argv,
    )
    if document.get("failed") or result["failed_consumers"]:
        if not result["msg"]:
            result["msg"] = "rekey: %d consumer(s) failed: %s" % (len(result["failed_consumers"]), ", ".join(result["failed_consumers"]))
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
