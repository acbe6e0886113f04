import Foundation
import RekeyCore
import Testing
import TestSupport

/// contrib/systemd, scripts/install --system, `rekey paths` and the read-only file system message.
@Suite("systemd units, install --system, rekey paths")
struct SystemInstallEndToEndTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var isRoot: Bool { geteuid() == 0 }

    /// `Key=value` lines of a unit file (continuations joined), in order.
    static func keys(_ path: String) throws -> [(key: String, value: String)] {
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\\\n", with: " ")
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), !line.hasPrefix("["), let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }
    }

    static func values(_ keys: [(key: String, value: String)], _ key: String) -> [String] {
        keys.filter { $0.key == key }.map(\.value)
    }

    @Test("the timer, service and failure units carry every key the issue asks for")
    func unitKeys() throws {
        let units = Self.repository + "/contrib/systemd/"
        let timer = try Self.keys(units + "rekey.timer")
        #expect(Self.values(timer, "OnCalendar") == ["daily"])
        #expect(Self.values(timer, "RandomizedDelaySec") == ["1h"])
        #expect(Self.values(timer, "AccuracySec") == ["1us"])
        #expect(Self.values(timer, "Persistent") == ["true"])
        #expect(Self.values(timer, "WantedBy") == ["timers.target"])

        let service = try Self.keys(units + "rekey.service")
        let expected: [String: String] = [
            "Type": "oneshot", "LoadCredential": "rekey-master-key:/etc/rekey/master.key", "NoNewPrivileges": "yes",
            "ProtectSystem": "strict", "ReadWritePaths": "/var/lib/rekey", "PrivateTmp": "yes", "UMask": "0077", "LimitCORE": "0",
            "OnFailure": "rekey-failure@%n.service", "ExecStart": "/usr/local/bin/rekey run --unattended /etc/rekey/playbooks",
        ]
        for (key, value) in expected { #expect(Self.values(service, key) == [value], "\(key)") }

        let failure = try Self.keys(units + "rekey-failure@.service")
        let exec = try #require(Self.values(failure, "ExecStart").first)
        #expect(exec.contains("logger -p auth.alert") && exec.hasSuffix("rekey-failure %i"))
    }

    @Test("systemd-analyze verify accepts the units, and rejects a broken copy (so it really checks)")
    func systemdAnalyzeVerify() async throws {
        let analyze = "/usr/bin/systemd-analyze"
        try #require(FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze missing: scripts/install installs systemd")
        let directory = TempDirectory()
        for unit in ["rekey.service", "rekey.timer", "rekey-failure@.service"] {
            // ExecStart must name an existing binary: the built one stands in for /usr/local/bin/rekey.
            let text = try String(contentsOfFile: Self.repository + "/contrib/systemd/" + unit, encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/rekey", with: ProcessRunner.rekey)
            try directory.write(unit, text, mode: 0o644)
        }
        try directory.write("rekey-failure@x.service", try String(contentsOfFile: directory.file("rekey-failure@.service"), encoding: .utf8), mode: 0o644)
        let files = ["rekey.service", "rekey.timer", "rekey-failure@x.service"].map { directory.file($0) }
        let verified = try await ProcessRunner.run(analyze, ["verify", "--man=no"] + files, environment: ["SYSTEMD_LOG_LEVEL": "notice"])
        #expect(verified.status == 0 && (verified.stdout + verified.stderr).isEmpty, "\(verified.stdout)\(verified.stderr)")

        let broken = try String(contentsOfFile: directory.file("rekey.timer"), encoding: .utf8).replacingOccurrences(of: "OnCalendar=daily", with: "OnCalendar=dialy")
        try directory.write("rekey.timer", broken, mode: 0o644)
        let refused = try await ProcessRunner.run(analyze, ["verify", "--man=no", directory.file("rekey.timer")], environment: [:])
        #expect(refused.status != 0 && refused.stderr.contains("dialy"), "\(refused.stderr)")
    }

    /// A small playbook (also used by the Ansible tests).
    static func playbook(consumer: String, file: String, url: String = "https://gitea.example.org", persona: String = "deployer",
                         auth: String? = nil, extra: String = "") -> String {
        """
        version: 1
        consumer: \(consumer)
        gitea: {url: "\(url)", persona: \(persona), auth: \(auth ?? persona)}
        token: {name: "\(consumer)-{run}", scopes: [read:user]}
        target: {file: \(file), key: GITEA_TOKEN, comment: "# {token_name} (…{last8}) {utc}"}
        probe: {login: \(persona)}
        \(extra)
        """
    }

    @Test("rekey paths DIR prints each directory the playbooks write to, once, sorted")
    func paths() async throws {
        let directory = TempDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("playbooks"), withIntermediateDirectories: true)
        chmod(directory.file("playbooks"), 0o755)
        try directory.write("playbooks/web.yml", Self.playbook(consumer: "web", file: "/srv/web/app.env"), mode: 0o644)
        try directory.write("playbooks/worker.yaml", Self.playbook(consumer: "worker", file: "/srv/web/worker.env"), mode: 0o600)
        try directory.write("playbooks/ci.yml", Self.playbook(consumer: "ci", file: "/etc/ci/token.env"), mode: 0o600)
        try directory.write("playbooks/notes.txt", "not a playbook", mode: 0o666)
        let result = try await ProcessRunner.run(ProcessRunner.rekey, ["paths", directory.file("playbooks")], environment: [:])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "/etc/ci\n/srv/web\n" && result.stderr.isEmpty, "\(result.stdout)")

        // An invalid playbook: 78, naming it.
        try directory.write("playbooks/broken.yml", "version: 1\n", mode: 0o600)
        let invalid = try await ProcessRunner.run(ProcessRunner.rekey, ["paths", directory.file("playbooks")], environment: [:])
        #expect(invalid.status == 78 && invalid.stderr.contains("broken.yml"), "\(invalid.stderr)")
        try FileManager.default.removeItem(atPath: directory.file("playbooks/broken.yml"))

        // Trust rules (as for rekey run): a playbook others may write, or such a directory, is refused (78), not skipped.
        chmod(directory.file("playbooks/ci.yml"), 0o620)
        let groupWritable = try await ProcessRunner.run(ProcessRunner.rekey, ["paths", directory.file("playbooks")], environment: [:])
        #expect(groupWritable.status == 78, "\(groupWritable.stdout)")
        #expect(groupWritable.stderr.contains("ci.yml") && groupWritable.stderr.contains("writable by group or others"), "\(groupWritable.stderr)")
        #expect(groupWritable.stdout.isEmpty)
        chmod(directory.file("playbooks/ci.yml"), 0o600)
        chmod(directory.file("playbooks"), 0o757)
        let openDirectory = try await ProcessRunner.run(ProcessRunner.rekey, ["paths", directory.file("playbooks")], environment: [:])
        #expect(openDirectory.status == 78 && openDirectory.stderr.contains("writable by group or others"), "\(openDirectory.stderr)")
        chmod(directory.file("playbooks"), 0o755)
        try FileManager.default.createSymbolicLink(atPath: directory.file("link.yml"), withDestinationPath: directory.file("playbooks/ci.yml"))
        // A symlink to a trusted playbook is read as `rekey run` reads it: the file it reaches is checked.
        let link = try await ProcessRunner.run(ProcessRunner.rekey, ["paths", directory.file("link.yml")], environment: [:])
        #expect(link.status == 0 && link.stdout == "/etc/ci\n", "\(link.combined)")
    }

    @Test("scripts/install --system into a staging root: modes, units, the ReadWritePaths drop-in, the prometheus drop-in",
          .enabled(if: isRoot, "install --system sets root ownership: run the tests as root"))
    func installSystem() async throws {
        let staging = TempDirectory()
        let root = staging.file("root")
        try FileManager.default.createDirectory(atPath: root + "/etc/rekey/playbooks", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/var/lib/prometheus/node-exporter", withIntermediateDirectories: true)
        try staging.write("root/etc/rekey/playbooks/web.yml", Self.playbook(consumer: "web", file: "/srv/web/app.env"))
        let result = try await ProcessRunner.run("/bin/bash", [Self.repository + "/scripts/install", "--system"],
                                                 environment: ["REKEY_INSTALL_ROOT": root, "REKEY_INSTALL_BIN": ProcessRunner.rekey,
                                                               "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("nothing enabled"))

        func mode(_ path: String) -> mode_t? {
            var info = stat()
            return lstat(root + path, &info) == 0 && info.st_uid == 0 ? info.st_mode & 0o7777 : nil
        }
        #expect(mode("/usr/local/bin/rekey") == 0o755)
        #expect(mode("/etc/rekey") == 0o700)
        #expect(mode("/etc/rekey/playbooks") == 0o700)
        #expect(mode("/var/lib/rekey") == 0o700)
        #expect(mode("/etc/rekey/master.key") == 0o600)
        for unit in ["rekey.service", "rekey.timer", "rekey-failure@.service", "rekey.service.d/paths.conf", "rekey.service.d/prometheus.conf"] {
            #expect(mode("/etc/systemd/system/" + unit) == 0o644, "\(unit)")
        }
        let paths = try Self.keys(root + "/etc/systemd/system/rekey.service.d/paths.conf")
        #expect(Self.values(paths, "ReadWritePaths") == ["-/srv/web"])
        let prometheus = try Self.keys(root + "/etc/systemd/system/rekey.service.d/prometheus.conf")
        #expect(Self.values(prometheus, "ReadWritePaths") == ["/var/lib/prometheus/node-exporter"])
        #expect(Self.values(prometheus, "ExecStart") == ["", "/usr/local/bin/rekey run --unattended --prometheus /var/lib/prometheus/node-exporter/rekey.prom /etc/rekey/playbooks"])
        let installed = try String(contentsOfFile: root + "/etc/systemd/system/rekey.timer", encoding: .utf8)
        #expect(installed == (try String(contentsOfFile: Self.repository + "/contrib/systemd/rekey.timer", encoding: .utf8)))
    }

    @Test("an env file on a read-only file system: exit 65, said as exactly that with the ReadWritePaths= hint, nothing minted",
          .enabled(if: isRoot, "mounting a read-only tmpfs needs root"))
    func readOnlyFileSystem() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let mountPoint = host.directory.file("ro").replacingOccurrences(of: "//", with: "/")
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
            let mounted = try await ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", mountPoint], environment: [:])
            try #require(mounted.status == 0, "mount: \(mounted.stderr)")
            defer { _ = try? ProcessRunner.runBlocking("/bin/umount", [mountPoint], environment: [:]) }
            let env = mountPoint + "/app.env"
            try Data(host.envBytes).write(to: URL(fileURLWithPath: env))
            chmod(env, 0o600)
            let remounted = try await ProcessRunner.run("/bin/mount", ["-o", "remount,ro", mountPoint], environment: [:])
            try #require(remounted.status == 0, "remount: \(remounted.stderr)")
            try host.writePlaybook(target: env)

            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 65, "\(result.stdout)\(result.stderr)")
            #expect(result.combined.contains("\(mountPoint) is on a read-only file system"), "\(result.combined)")
            #expect(result.combined.contains("may be missing from ReadWritePaths= of rekey.service"), "\(result.combined)")
            #expect(await host.serverTokens().count == 1, "a token was minted")
            #expect(try Data(contentsOf: URL(fileURLWithPath: env)) == Data(host.envBytes))
        }
    }
}
