import Foundation
import RekeyCore
import Testing
import TestSupport

/// `rekey key rotate` through the real binary: killed (SIGKILL) at every blob it rewrites and around
/// the install of the new key, then rerun; refusals; leaks.
///
/// The blob checks here read the state directory independently of `KeyRotation`: they parse the
/// documented blob and journal layouts themselves and open each blob with a `Sealer` per key file.
@Suite("rekey key rotate, end to end")
struct KeyRotateEndToEndTests {
    /// A seeded host: init, two vault entries, two real rotations against the stand-in (two backups,
    /// two journals). Returns the second vault entry's password.
    static func seed(_ host: EndToEndHost) async throws -> String {
        try await host.setUp()
        let spare = "spare-" + UUID().uuidString
        let set = try await host.rekey(["vault", "set", "spare", "--username", "someone-else"], stdin: spare + "\n")
        try #require(set.status == 0, "vault set: \(set.stderr)")
        for _ in 0..<2 {
            let run = try await host.rekey(["run", host.playbookPath])
            try #require(run.status == 0, "run: \(run.stdout) \(run.stderr)")
        }
        return spare
    }

    /// A copy of the seeded state dir and key (modes kept), so each case starts from the same bytes.
    static func copy(_ host: EndToEndHost, to name: String) async throws -> (env: [String: String], state: String, key: String) {
        let base = host.directory.file(name)
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: false)
        for source in [host.statePath, host.directory.file("etc")] {
            let copied = try await ProcessRunner.run("/bin/cp", ["-a", source, base + "/"], environment: [:])
            try #require(copied.status == 0, "cp: \(copied.stderr)")
        }
        let state = base + "/state", key = base + "/etc/master.key"
        return (["REKEY_STATE_DIR": state, "REKEY_KEY_FILE": key], state, key)
    }

    @Test("killed at every blob and around the install, a rerun completes: every blob opens with the new key only")
    func killedEverywhereThenRerun() async throws {
        try await EndToEndHost.with { host in
            let spare = try await Self.seed(host)
            let seeded = try SealedState(root: host.statePath)
            #expect(seeded.vault == 2 && seeded.backups == 2 && seeded.journals == 2, "seeded: \(seeded.files.map(\.path))")
            let original = try MasterKey.load(from: host.keyPath)
            #expect(try seeded.opening(with: [original]).allSatisfy { $0 == 0 })

            let count = seeded.files.count
            let firstVault = try #require(seeded.files.first?.path.split(separator: "/").last.map(String.init))
            let lastJournal = try #require(seeded.files.last { $0.path.hasSuffix(".journal") }?.path.split(separator: "/").last.map(String.init))
            let points = (1...count).map { "key-rotate-after-blob-\($0)" } + [
                "key-rotate-before-install", "key-rotate-after-install",
                "create-exclusive-after-write:master.key.next",
                "atomic-after-temp-write:\(firstVault)", "atomic-after-rename:\(lastJournal)",
            ]
            var tokens = [host.oldToken]
            for (index, point) in points.enumerated() {
                let copy = try await Self.copy(host, to: "case-\(index)")
                let killed = try await host.rekey(["key", "rotate"], environment: copy.env.merging([CrashPoint.environmentVariable: point]) { $1 })
                #expect(killed.signalled && killed.status == SIGKILL, "not killed at \(point): \(killed.status) \(killed.stderr)")

                // Every blob opens with the old key or the new one (in <key>.next, or installed).
                let nextPath = copy.key + ".next"
                let pending = FileManager.default.fileExists(atPath: nextPath)
                let new = try MasterKey.load(from: pending ? nextPath : copy.key)
                #expect(pending == (point != "key-rotate-after-install"), "at \(point)")
                let state = try SealedState(root: copy.state)
                let opened = try state.opening(with: [original, new])
                #expect(!opened.contains(nil), "at \(point), unopenable: \(zip(state.files, opened).filter { $0.1 == nil }.map(\.0.path))")
                if let n = Int(point.dropFirst("key-rotate-after-blob-".count)), point.hasPrefix("key-rotate-after-blob-") {
                    #expect(opened == Array(repeating: 1, count: n) + Array(repeating: 0, count: count - n), "at \(point)")
                }

                if pending {
                    // Other commands refuse until the rotation is completed.
                    let refused = try await host.rekey(["vault", "list"], environment: copy.env)
                    #expect(refused.status == 75, "at \(point)")
                    #expect(refused.stderr.contains("a master key rotation is unfinished; run rekey key rotate to complete it"), "at \(point): \(refused.stderr)")
                }

                let rerun = try await host.rekey(["key", "rotate"], environment: copy.env)
                #expect(rerun.status == 0, "rerun after \(point): \(rerun.stderr)")
                #expect(!FileManager.default.fileExists(atPath: nextPath))
                let installed = try MasterKey.load(from: copy.key)
                if pending {
                    #expect(installed.keyIDHex == new.keyIDHex, "the rerun after \(point) did not finish with the key in .next")
                    #expect(rerun.stdout.contains("continuing the unfinished rotation to key id \(new.keyIDHex)"))
                }
                let after = try SealedState(root: copy.state)
                #expect(after.files.map(\.path) == state.files.map(\.path))
                #expect(try after.opening(with: [installed]).allSatisfy { $0 == 0 }, "after the rerun at \(point)")
                #expect(try after.opening(with: [original]).allSatisfy { $0 == nil }, "the old key still opens something after \(point)")
                let leftovers = try host.directory.allFiles().map(\.path).filter { $0.hasPrefix(copy.state) && $0.contains(".rekey-tmp.") }
                #expect(leftovers == [], "temp files left after the rerun at \(point)")

                let list = try await host.rekey(["vault", "list"], environment: copy.env)
                #expect(list.status == 0 && list.stdout.contains("ops-automation") && list.stdout.contains("spare"), "at \(point): \(list.stderr)")
                let run = try await host.rekey(["run", host.playbookPath], environment: copy.env)
                #expect(run.status == 0, "run after \(point): \(run.stdout) \(run.stderr)")
                tokens.append(host.currentToken)
            }
            #expect(try host.leaks(of: [host.password, spare] + tokens) == [])
        }
    }

    @Test("rotate twice in a row; commands work after each; no secret or key byte in the state dir or the output")
    func twiceInARow() async throws {
        try await EndToEndHost.with { host in
            let spare = try await Self.seed(host)
            let original = try Data(contentsOf: URL(fileURLWithPath: host.keyPath))
            var keys = [original]
            for _ in 0..<2 {
                let rotated = try await host.rekey(["key", "rotate"])
                #expect(rotated.status == 0, "stderr: \(rotated.stderr)")
                #expect(rotated.stdout.contains("2 vault entries, 2 backups, 2 journals"), "\(rotated.stdout)")
                #expect(rotated.stdout.contains("opens nothing any more"))
                let key = try Data(contentsOf: URL(fileURLWithPath: host.keyPath))
                #expect(!keys.contains(key))
                keys.append(key)
                var info = stat()
                #expect(stat(host.keyPath, &info) == 0 && info.st_mode & 0o777 == 0o600)
                let state = try SealedState(root: host.statePath)
                #expect(try state.opening(with: [try MasterKey.load(from: host.keyPath)]).allSatisfy { $0 == 0 })
                #expect(try await host.rekey(["vault", "list"]).status == 0)
            }
            let run = try await host.rekey(["run", host.playbookPath])
            #expect(run.status == 0, "\(run.stdout) \(run.stderr)")

            #expect(try host.leaks(of: [host.password, spare, host.oldToken, host.currentToken]) == [])
            // No master key, old or new, lands in the state dir (sealed files hold only key ids).
            for file in try host.directory.allFiles() where file.path.hasPrefix(host.statePath) {
                for key in keys { #expect(Data(file.bytes).range(of: key) == nil, "a master key in \(file.path)") }
            }
        }
    }

    @Test("on an uninitialised host: exit 77, one line saying to run rekey init, nothing created")
    func uninitialised() async throws {
        try await EndToEndHost.with { host in
            let result = try await host.rekey(["key", "rotate"])
            #expect(result.status == 77)
            #expect(result.stderr == "rekey: no master key at \(host.keyPath); run rekey init\n")
            #expect(!FileManager.default.fileExists(atPath: host.statePath))
            #expect(!FileManager.default.fileExists(atPath: host.keyPath + ".next"))
        }
    }

    @Test("refused with exit 75 while another command or a consumer's run holds its lock; nothing changes")
    func refusedWhileBusy() async throws {
        try await EndToEndHost.with { host in
            _ = try await Self.seed(host)
            let before = try Data(contentsOf: URL(fileURLWithPath: host.keyPath))
            let state = StateDirectory(root: host.statePath)

            let consumer = try ConsumerLock.acquire(state, consumer: host.consumer, wait: false)
            let busyConsumer = try await host.rekey(["key", "rotate"])
            consumer.release()
            #expect(busyConsumer.status == 75)
            #expect(busyConsumer.stderr.contains("consumer \(host.consumer) is being rotated by another rekey process"))

            // What a running `rekey run` (or vault set, recover, ...) holds while it uses the key.
            let fd = open(KeyRotationLock.path(state: state), O_RDWR | O_CLOEXEC)
            #expect(flock(fd, LOCK_SH) == 0)
            let busyState = try await host.rekey(["key", "rotate"])
            close(fd)
            #expect(busyState.status == 75)
            #expect(busyState.stderr.contains("another rekey command (a run, recover or vault change) is using state directory \(host.statePath)"))

            #expect(try Data(contentsOf: URL(fileURLWithPath: host.keyPath)) == before)
            #expect(!FileManager.default.fileExists(atPath: host.keyPath + ".next"))
            #expect(try SealedState(root: host.statePath).opening(with: [try MasterKey.load(from: host.keyPath)]).allSatisfy { $0 == 0 })
        }
    }

    @Test("a key from systemd's $CREDENTIALS_DIRECTORY is not rotated: exit 77 and how to rotate it instead")
    func credentialsKeyRefused() async throws {
        try await EndToEndHost.with { host in
            _ = try await Self.seed(host)
            let credentials = host.directory.file("credentials")
            try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: false)
            let key = try Data(contentsOf: URL(fileURLWithPath: host.keyPath))
            try key.write(to: URL(fileURLWithPath: credentials + "/rekey-master-key"))
            chmod(credentials + "/rekey-master-key", 0o400)

            let environment = ["REKEY_STATE_DIR": host.statePath, "CREDENTIALS_DIRECTORY": credentials, "HOME": host.directory.path]
            let list = try await ProcessRunner.run(ProcessRunner.rekey, ["vault", "list"], environment: environment)
            #expect(list.status == 0, "the credential key works for other commands: \(list.stderr)")
            let result = try await ProcessRunner.run(ProcessRunner.rekey, ["key", "rotate"], environment: environment)
            #expect(result.status == 77)
            #expect(result.stderr.contains("systemd's credentials directory \(credentials)"))
            #expect(result.stderr.contains("rekey key rotate --key-file"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: credentials + "/rekey-master-key")) == key)
            #expect(try SealedState(root: host.statePath).opening(with: [try MasterKey.load(from: host.keyPath)]).allSatisfy { $0 == 0 })
        }
    }
}

/// The sealed files of a state directory, read with the documented layouts (docs/blob-format.md;
/// a journal is frames of a 4-byte big-endian length and one blob).
struct SealedState {
    struct File {
        var path: String
        var blobs: [[UInt8]]
    }

    var files: [File] = []
    var vault = 0, backups = 0, journals = 0

    init(root: String) throws {
        let manager = FileManager.default
        func names(_ directory: String) -> [String] {
            ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        }
        func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
        for name in names(root + "/vault") where name.hasSuffix(".sealed") {
            files.append(File(path: root + "/vault/" + name, blobs: [try bytes(root + "/vault/" + name)]))
            vault += 1
        }
        for consumer in names(root + "/backups") {
            for name in names(root + "/backups/" + consumer) where name.hasSuffix(".sealed") {
                let path = root + "/backups/" + consumer + "/" + name
                files.append(File(path: path, blobs: [try bytes(path)]))
                backups += 1
            }
        }
        for name in names(root + "/runs") where name.hasSuffix(".journal") {
            let path = root + "/runs/" + name
            let data = try bytes(path)
            var blobs: [[UInt8]] = []
            var offset = 0
            while offset + 4 <= data.count {
                let length = data[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
                guard offset + 4 + length <= data.count else { break }
                blobs.append(Array(data[(offset + 4)..<(offset + 4 + length)]))
                offset += 4 + length
            }
            #expect(offset == data.count, "journal \(path) has a torn tail")
            files.append(File(path: path, blobs: blobs))
            journals += 1
        }
        if manager.fileExists(atPath: root + "/inventory.sealed") {
            files.append(File(path: root + "/inventory.sealed", blobs: [try bytes(root + "/inventory.sealed")]))
        }
    }

    /// For each file, the index of the key in `keys` that opens every one of its blobs (with the
    /// kind and context its header states), or nil when no single key opens them all.
    func opening(with keys: [MasterKey]) throws -> [Int?] {
        files.map { file in
            keys.indices.first { index in
                file.blobs.allSatisfy { blob in
                    guard blob.count >= 15, let kind = BlobKind(rawValue: blob[4]) else { return false }
                    let contextCount = Int(blob[13]) << 8 | Int(blob[14])
                    guard blob.count >= 15 + contextCount else { return false }
                    let context = String(decoding: blob[15..<(15 + contextCount)], as: UTF8.self)
                    return (try? Sealer(key: keys[index]).open(blob, kind: kind, context: context, source: file.path)) != nil
                }
            }
        }
    }
}
