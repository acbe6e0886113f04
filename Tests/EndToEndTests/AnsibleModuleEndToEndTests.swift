import Foundation
import RekeyCore
import Testing
import TestSupport

/// contrib/ansible/library/rekey_run.py under real ansible-core (from PyPI, in a venv under
/// .build), `-c local` against localhost.
@Suite("Ansible module rekey_run", .serialized)
struct AnsibleModuleEndToEndTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The venv's ansible-playbook, made once (pip install ansible-core) under a lock. `ANSIBLE_VENV`
    /// names an existing venv instead.
    static func ansiblePlaybook() async throws -> String {
        let venv = ProcessInfo.processInfo.environment["ANSIBLE_VENV"] ?? repository + "/.build/ansible-venv"
        let script = "[ -x '\(venv)/bin/ansible-playbook' ] || { python3 -m venv '\(venv)' && '\(venv)/bin/pip' install -q ansible-core; }"
        try FileManager.default.createDirectory(atPath: repository + "/.build", withIntermediateDirectories: true)
        let made = try await ProcessRunner.run("/usr/bin/flock", [repository + "/.build/ansible-venv.lock", "/bin/sh", "-c", script],
                                               environment: ["PATH": "/usr/local/bin:/usr/bin:/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? ""),
                                                             "HOME": NSTemporaryDirectory()])
        try #require(made.status == 0, "could not make the ansible venv: \(made.stderr)")
        return venv + "/bin/ansible-playbook"
    }

    /// Runs one task of rekey_run with `arguments` (YAML flow mapping) and returns the registered
    /// result as JSON, plus ansible-playbook's own exit status.
    static func runModule(_ arguments: String, in directory: TempDirectory, ignoreErrors: Bool = true,
                          environment: [String: String] = [:]) async throws -> (result: [String: Any], status: Int32, output: String) {
        let ansible = try await ansiblePlaybook()
        let out = directory.file("result.json")
        try? FileManager.default.removeItem(atPath: out)
        try directory.write("play.yml", """
        - hosts: localhost
          gather_facts: false
          tasks:
            - rekey_run: \(arguments)
              register: r
              ignore_errors: \(ignoreErrors)
            - ansible.builtin.copy: {content: "{{ r | to_json }}", dest: \(out)}
        """)
        let python = (ansible as NSString).deletingLastPathComponent + "/python"
        let run = try await ProcessRunner.run(ansible, ["-c", "local", "-i", "localhost,", "-e", "ansible_python_interpreter=\(python)", directory.file("play.yml")],
                                              environment: ["ANSIBLE_LIBRARY": repository + "/contrib/ansible/library", "HOME": directory.path,
                                                            "ANSIBLE_LOCAL_TEMP": directory.file("ansible-tmp"), "LC_ALL": "C.UTF-8",
                                                            "PATH": "/usr/bin:/bin"].merging(environment) { $1 })
        let data = (try? Data(contentsOf: URL(fileURLWithPath: out))) ?? Data()
        let result = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (result, run.status, run.stdout + run.stderr)
    }

    /// A stand-in for `rekey` that records its argv and prints `response`, exiting `status`.
    static func fakeRekey(_ directory: TempDirectory, response: String, status: Int32) throws -> String {
        try directory.write("response.json", response)
        return try directory.write("fake-rekey", """
        #!/bin/sh
        printf '%s\\n' "$@" > \(directory.file("argv"))
        cat \(directory.file("response.json"))
        exit \(status)
        """, mode: 0o755)
    }

    static func consumer(_ name: String, _ outcome: String, changed: Bool, failed: Bool, rc: Int, msg: String = "") -> String {
        #"{"consumer": "\#(name)", "playbook": "/etc/rekey/playbooks/\#(name).yml", "outcome": "\#(outcome)", "changed": \#(changed), "failed": \#(failed), "msg": "\#(msg)", "rc": \#(rc), "run": null, "token": null, "drift": false}"#
    }

    @Test("against a fake rekey: one changed, one failed, one not due → task changed and failed, per-consumer lists")
    func mixed() async throws {
        let directory = TempDirectory()
        let fake = try Self.fakeRekey(directory, response: """
        {"changed": true, "failed": true, "msg": "db: vault entry missing", "rc": 77, "consumers": [
        \(Self.consumer("web", "rotated", changed: true, failed: false, rc: 0)),
        \(Self.consumer("db", "failed", changed: false, failed: true, rc: 77, msg: "vault entry missing")),
        \(Self.consumer("ci", "not-due", changed: false, failed: false, rc: 0))]}
        """, status: 77)
        let (result, status, output) = try await Self.runModule("{binary: \(fake), playbooks: [/etc/rekey/playbooks], force: true, parallel: 2}", in: directory)
        #expect(status == 0, "\(output)")
        #expect(result["changed"] as? Bool == true && result["failed"] as? Bool == true, "\(result)")
        #expect(result["changed_consumers"] as? [String] == ["web"])
        #expect(result["failed_consumers"] as? [String] == ["db"])
        #expect(result["rc"] as? Int == 77 && result["msg"] as? String == "db: vault entry missing")
        let outcomes = (result["consumers"] as? [[String: Any]] ?? []).map { "\($0["consumer"] ?? "")=\($0["outcome"] ?? "")" }
        #expect(outcomes == ["web=rotated", "db=failed", "ci=not-due"])
        let argv = try String(contentsOfFile: directory.file("argv"), encoding: .utf8).split(separator: "\n")
        #expect(argv == ["run", "--unattended", "--json", "--force", "--parallel", "2", "--", "/etc/rekey/playbooks"])
    }

    @Test("against a fake rekey: nothing due → ok, not changed; the play passes without ignore_errors")
    func quiet() async throws {
        let directory = TempDirectory()
        let fake = try Self.fakeRekey(directory, response: """
        {"changed": false, "failed": false, "msg": "", "rc": 0, "consumers": [\(Self.consumer("ci", "not-due", changed: false, failed: false, rc: 0))]}
        """, status: 0)
        let (result, status, output) = try await Self.runModule("{binary: \(fake)}", in: directory, ignoreErrors: false)
        #expect(status == 0, "\(output)")
        #expect(result["changed"] as? Bool == false && result["failed"] as? Bool != true)
        #expect(result["failed_consumers"] as? [String] == [])
    }

    @Test("rekey prints no JSON report: the task fails saying so, with rekey's stderr")
    func noReport() async throws {
        let directory = TempDirectory()
        let fake = try directory.write("fake-rekey", "#!/bin/sh\necho 'rekey: error: unknown option --unattended' >&2\nexit 64\n", mode: 0o755)
        let (result, status, output) = try await Self.runModule("{binary: \(fake)}", in: directory, ignoreErrors: false)
        #expect(status == 2, "the play must fail: \(output)")
        #expect(output.contains("rekey printed no JSON report (exit 64): rekey: error: unknown option --unattended"), "\(output)")
        #expect(result.isEmpty)
    }

    /// Whether this rekey has `run --unattended` (written on the `unattended` branch).
    @Test("the real rekey and the stand-in: one consumer rotated, one failed (no vault entry), one not due")
    func realRun() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let playbooks = host.directory.file("playbooks")
            try FileManager.default.createDirectory(atPath: playbooks, withIntermediateDirectories: true)
            chmod(playbooks, 0o700)
            func playbook(_ consumer: String, file: String, extra: String = "", auth: String? = nil) throws {
                try host.directory.write("playbooks/\(consumer).yml", SystemInstallEndToEndTests.playbook(
                    consumer: consumer, file: file, url: host.baseURL, persona: host.persona, auth: auth, extra: extra))
            }
            for name in ["failing", "resting"] {
                let token = try await host.mintDirectly(name: "\(name)-initial")
                try host.directory.write("\(name).env", "GITEA_TOKEN=\(token)\n", mode: 0o600)
            }
            try playbook("rotating", file: host.envPath)
            try playbook("failing", file: host.directory.file("failing.env"), auth: "nobody-in-the-vault")
            try playbook("resting", file: host.directory.file("resting.env"), extra: "every: 30d")
            let first = try await host.rekey(["run", playbooks + "/resting.yml"])
            try #require(first.status == 0, "the interactive rotation of resting: \(first.stderr)")

            let (result, status, output) = try await Self.runModule("{binary: \(ProcessRunner.rekey), playbooks: [\(playbooks)]}", in: host.directory,
                                                                    environment: host.environment)
            #expect(status == 0, "\(output)")
            #expect(result["changed"] as? Bool == true && result["failed"] as? Bool == true, "\(result)")
            let outcomes = Dictionary(uniqueKeysWithValues: (result["consumers"] as? [[String: Any]] ?? []).map {
                ("\($0["consumer"] ?? "")", "\($0["outcome"] ?? "")")
            })
            #expect(outcomes == ["rotating": "rotated", "failing": "failed", "resting": "not-due"], "\(result)")
            #expect(result["changed_consumers"] as? [String] == ["rotating"])
            #expect(result["failed_consumers"] as? [String] == ["failing"])
            #expect(host.currentToken != host.oldToken)
        }
    }
}
