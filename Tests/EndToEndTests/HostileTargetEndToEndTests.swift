import CLinux
import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// Targets rekey must refuse before anything changes (exit 65, nothing minted), targets it must
/// rotate without losing what protects them, and the process hygiene of a running rekey.
@Suite("hostile targets, end to end")
struct HostileTargetEndToEndTests {
    enum Special: String, CaseIterable, CustomTestStringConvertible {
        case fifo, characterDevice, socket, directory, oversize
        var testDescription: String { rawValue }
        /// What the refusal must say the path is.
        var said: String {
            switch self {
            case .fifo: "a fifo"
            case .characterDevice: "a character device"
            case .socket: "a socket"
            case .directory: "a directory"
            case .oversize: "more than the 1 MiB"
            }
        }
    }

    /// Puts `kind` where the playbook's target is (or points the playbook at one); returns its path.
    static func make(_ kind: Special, host: EndToEndHost) throws -> String {
        switch kind {
        case .fifo:
            unlink(host.envPath)
            #expect(mkfifo(host.envPath, 0o600) == 0)
            return host.envPath
        case .characterDevice:
            try host.writePlaybook(target: "/dev/zero")
            return "/dev/zero"
        case .socket:
            unlink(host.envPath)
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(host.envPath.utf8)
            #expect(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
            withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            #expect(bound == 0)
            close(fd)
            return host.envPath
        case .directory:
            unlink(host.envPath)
            mkdir(host.envPath, 0o700)
            return host.envPath
        case .oversize:
            let padding = String(repeating: "# padding line of an oversized env file\n", count: (1 << 20) / 40 + 1)
            try host.directory.write("all-credentials.env", host.envText + padding, mode: 0o640)
            return host.envPath
        }
    }

    @Test("a fifo, device, socket, directory or over-1MiB target: exit 65 at once, nothing minted", arguments: Special.allCases)
    func specialTargets(kind: Special) async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let path = try Self.make(kind, host: host)
            let started = ContinuousClock.now
            let result = try await host.rekey(["run", host.playbookPath])
            // A hang check, not a timing: a fifo used to block open() forever.
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(result.status == 65, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("refusing env file \(path)"), "\(result.stderr)")
            #expect(result.stderr.contains(kind.said), "\(result.stderr)")
            #expect(await host.serverTokens().count == 1, "a token was minted")
            // The consumer is not left busy: the next run gets as far as the same refusal.
            #expect(try await host.rekey(["run", host.playbookPath]).status == 65)
        }
    }

    @Test("a world-writable env file is refused, nothing minted, mode untouched")
    func worldWritable() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            chmod(host.envPath, 0o666)
            let before = host.envBytes
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 65, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("writable by every user (mode 0666)"), "\(result.stderr)")
            #expect(host.envBytes == before)
            var info = stat()
            #expect(stat(host.envPath, &info) == 0 && info.st_mode & 0o777 == 0o666)
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("a hard-linked env file is refused, naming the inode and the link count")
    func hardLinked() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let other = host.directory.file("other-link.env")
            #expect(link(host.envPath, other) == 0)
            var info = stat()
            #expect(stat(host.envPath, &info) == 0)
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 65, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("inode \(info.st_ino) has 2 hard links"), "\(result.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: other)).contains(Data(host.oldToken.utf8)))
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("a world-readable env file is rotated, with a warning on stderr and in --json")
    func worldReadable() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            chmod(host.envPath, 0o644)
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("readable by every user of the host (mode 0644)"), "\(result.stderr)")
            let json = try await host.rekey(["run", host.playbookPath, "--json"])
            #expect(json.status == 0, "stderr: \(json.stderr)")
            #expect(json.stdout.contains("readable by every user of the host"), "\(json.stdout)")
        }
    }

    @Test("a directory rekey cannot write is refused before the mint: exit 65 naming the directory")
    func readOnlyDirectory() async throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        try await EndToEndHost.with { host in
            try await host.setUp()
            let app = host.directory.file("app")
            mkdir(app, 0o755)
            let env = app + "/app.env"
            try Data(host.envBytes).write(to: URL(fileURLWithPath: env))
            chmod(env, 0o600)
            try host.writePlaybook(target: env)
            // Root writes through any mode bits; an immutable directory stops root too.
            let immutable = try await ProcessRunner.run("/usr/bin/chattr", ["+i", app], environment: [:])
            defer { _ = try? ProcessRunner.runBlocking("/usr/bin/chattr", ["-i", app], environment: [:]) }
            try #require(immutable.status == 0, "chattr +i failed: \(immutable.stderr)")
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 65, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("its directory \(app.replacingOccurrences(of: "//", with: "/")) does not take a temp file"), "\(result.stderr)")
            #expect(await host.serverTokens().count == 1, "a token was minted")
            #expect(!result.stdout.contains("✓ mint"))
        }
    }

    @Test("an ACL and a security.* attribute are byte-identical after the rotation")
    func aclKept() async throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        try await EndToEndHost.with { host in
            try await host.setUp()
            // user::rw-, user:nobody:r--, group::---, mask::r--, other::--- (the setfacl of issue 8)
            let acl = PosixACL.bytes([(0x01, 6, UInt32.max), (0x02, 4, HostileHost.nobody), (0x04, 0, UInt32.max),
                                      (0x10, 4, UInt32.max), (0x20, 0, UInt32.max)])
            #expect(setxattr(host.envPath, "system.posix_acl_access", acl, acl.count, 0) == 0, "setxattr: \(String(cString: strerror(errno)))")
            let label: [UInt8] = Array("rekey_test_label_t".utf8)
            #expect(setxattr(host.envPath, "security.rekey-test", label, label.count, 0) == 0)
            let aclBefore = PosixACL.read(host.envPath, "system.posix_acl_access")
            var before = stat()
            #expect(stat(host.envPath, &before) == 0)

            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(!host.envText.contains(host.oldToken))
            #expect(PosixACL.read(host.envPath, "system.posix_acl_access") == aclBefore)
            #expect(PosixACL.read(host.envPath, "security.rekey-test") == label)
            var after = stat()
            #expect(stat(host.envPath, &after) == 0)
            #expect(after.st_ino != before.st_ino, "the file was not replaced")
            #expect(after.st_mode == before.st_mode && after.st_uid == before.st_uid && after.st_gid == before.st_gid)
        }
    }

    @Test("a symlink planted by another account on the way to the env file is refused, naming it")
    func untrustedLink() async throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        try await EndToEndHost.with { host in
            try await host.setUp()
            let link = host.directory.file("linked.env")
            #expect(symlink(host.envPath, link) == 0)
            #expect(lchown(link, HostileHost.nobody, HostileHost.nogroup) == 0)
            try host.writePlaybook(target: link)
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 65, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("the symlink \(link.replacingOccurrences(of: "//", with: "/")) is owned by uid 65534"), "\(result.stderr)")
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("a playbook of nested aliases is refused at once (78, line and column); one writable by others too")
    func playbookAliasesAndMode() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            var bomb = "a0: &a0 {x: 1}\n"
            for level in 1...30 { bomb += "a\(level): &a\(level) {? *a\(level - 1) : 1, ? [*a\(level - 1)] : 2}\n" }
            let path = try host.directory.write("bomb.yml", bomb, mode: 0o600)
            let started = ContinuousClock.now
            let result = try await host.rekey(["run", path])
            #expect(ContinuousClock.now - started < .seconds(10), "a hang check: the aliases must not be composed")
            #expect(result.status == 78, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("\(path):1:5: yaml anchors are not allowed in a playbook"), "\(result.stderr)")

            chmod(host.playbookPath, 0o666)
            let shared = try await host.rekey(["run", host.playbookPath])
            #expect(shared.status == 78, "stderr: \(shared.stderr)")
            #expect(shared.stderr.contains("the playbook is writable by group or others (mode 0666)"), "\(shared.stderr)")
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("a running rekey is not dumpable and may not write a core file")
    func notDumpable() async throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        // Run as nobody: the files in a non-dumpable process's /proc/PID belong to root, whoever it runs as.
        let directory = TempDirectory("rekey-dumpable")
        chmod(directory.path, 0o755)
        chown(directory.path, HostileHost.nobody, HostileHost.nogroup)
        let environment = ["REKEY_STATE_DIR": directory.file("state"), "REKEY_KEY_FILE": directory.file("master.key"),
                           "HOME": directory.path, "PATH": "/usr/bin:/bin"]
        let asNobody = Array(HostileHost.asNobody.dropFirst())
        let initialised = try await ProcessRunner.run(HostileHost.asNobody[0], asNobody + [ProcessRunner.rekey, "init"], environment: environment)
        try #require(initialised.status == 0, "init as nobody: \(initialised.stderr)")

        // `vault set` waits for the password on its standard input, which stays open.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: HostileHost.asNobody[0])
        process.arguments = asNobody + [ProcessRunner.rekey, "vault", "set", "probe", "--username", "probe"]
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); try? input.fileHandleForWriting.close(); process.waitUntilExit() }
        let proc = "/proc/\(process.processIdentifier)"

        var seen = (name: "", uid: "", owner: uid_t.max, coreLimit: "")
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let status = (try? String(contentsOfFile: proc + "/status", encoding: .utf8)) ?? ""
            seen.name = status.split(separator: "\n").first { $0.hasPrefix("Name:") }.map { $0.split(separator: "\t").last.map(String.init) ?? "" } ?? ""
            seen.uid = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }.map(String.init) ?? ""
            var info = stat()
            seen.owner = stat(proc + "/status", &info) == 0 ? info.st_uid : uid_t.max
            seen.coreLimit = ((try? String(contentsOfFile: proc + "/limits", encoding: .utf8)) ?? "")
                .split(separator: "\n").first { $0.hasPrefix("Max core file size") }.map(String.init) ?? ""
            if seen.name == "rekey" && seen.owner == 0 && !seen.coreLimit.isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(seen.name == "rekey", "the process never became rekey: \(seen)")
        #expect(seen.uid.contains("\(HostileHost.nobody)"), "not running as nobody: \(seen.uid)")
        // PR_GET_DUMPABLE 0: the kernel hands /proc/PID/status to root.
        #expect(seen.owner == 0, "/proc/PID/status is owned by \(seen.owner): the process is dumpable")
        let limits = seen.coreLimit.split(separator: " ").filter { !$0.isEmpty }
        #expect(limits.count >= 6 && limits[4] == "0" && limits[5] == "0", "core limit: \(seen.coreLimit)")
        #expect(process.isRunning)
    }
}

/// POSIX ACLs in the kernel's xattr form (`system.posix_acl_access`), for tests that do not need
/// the acl package.
enum PosixACL {
    /// Version 2 header, then (tag u16, perm u16, id u32) per entry, little-endian, sorted by tag.
    static func bytes(_ entries: [(tag: UInt16, perm: UInt16, id: UInt32)]) -> [UInt8] {
        var out: [UInt8] = [2, 0, 0, 0]
        for entry in entries {
            withUnsafeBytes(of: entry.tag.littleEndian) { out += $0 }
            withUnsafeBytes(of: entry.perm.littleEndian) { out += $0 }
            withUnsafeBytes(of: entry.id.littleEndian) { out += $0 }
        }
        return out
    }

    static func read(_ path: String, _ name: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = getxattr(path, name, &buffer, buffer.count)
        return count < 0 ? nil : Array(buffer[0..<count])
    }
}
