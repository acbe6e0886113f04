import Foundation
import Synchronization
import Testing
import TestSupport
@testable import RekeyCore

/// The real shells are the oracle: generated env files are sourced by bash and dash before and after
/// rekey rotates them (in-process, through `EnvDocument.replacing`).
///
/// - Whenever rekey rotates, both shells read the old value before (the one rekey read) and the new
///   token after, and every other variable they read is the same before and after, and the same in
///   both shells.
/// - So whenever the shells disagree with each other, or with rekey's view, rekey must have refused.
///
/// Set `REKEY_ORACLE_SEED` to replay another seed; a failure prints the seed and the file.
@Suite("EnvDocument agrees with bash and dash")
struct EnvShellOracleTests {
    static let fileCount = 1000
    static let newToken = EnvFixture.newToken
    static let comment = "# gitea token rekey-ci-20250101 (…5c4d3e2f), rotated 2025-01-01T00:00:00Z by rekey"

    /// Sources every file in a subshell of its own and prints the key and the other variables,
    /// separated by \001; a shell that stops (exit, syntax error in dash) prints nothing.
    static let driver = """
        cd "$1" || exit 1; tag=$2; shift 2
        for f in "$@"; do
          ( set -a; . "./$f" >/dev/null 2>&1 </dev/null
            printf '%s\\001' "${GITEA_TOKEN+set}:${GITEA_TOKEN-}" \(EnvShellGrammar.others.map { "\"${\($0)+set}:${\($0)-}\"" }.joined(separator: " "))
          ) >"$f.$tag" 2>/dev/null </dev/null
        done
        echo driver finished
        """

    struct Reading: Equatable {
        var key: String
        var others: [String]
    }

    static func reading(_ path: String) -> Reading? {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
        guard fields.count > EnvShellGrammar.others.count else { return nil }
        return Reading(key: fields[0], others: Array(fields[1...EnvShellGrammar.others.count]))
    }

    static func source(_ names: [String], in directory: TempDirectory, shell: String) throws {
        let result = try ProcessRunner.runBlocking("/usr/bin/env", ["-i", shell, "-c", driver, "sh", directory.path, shell] + names, environment: [:])
        // The status is the last file's; the driver itself must reach its end.
        guard result.stdout == "driver finished\n" else { throw DriverFailed(shell: shell, status: result.status, stderr: result.stderr) }
    }

    struct DriverFailed: Error {
        var shell: String
        var status: Int32
        var stderr: String
    }

    @Test("rekey rotates only files both shells read its way, and then both read the new token")
    func shellsAgree() throws {
        let seed = ProcessInfo.processInfo.environment["REKEY_ORACLE_SEED"].flatMap { UInt64($0) } ?? 0x5EED_2026
        var grammar = EnvShellGrammar(random: SplitMix64(state: seed))
        let directory = TempDirectory("rekey-oracle")
        try directory.write("other.env", "B=from-other\n")

        var files: [[UInt8]] = []
        var verdicts: [Result<(old: [UInt8], new: [UInt8]), EnvFileError>] = []
        var names: [String] = []
        for index in 0..<Self.fileCount {
            let bytes = grammar.file()
            files.append(bytes)
            let document = EnvDocument(contents: SecretBytes(copying: bytes), path: "f\(index).env")
            let verdict = Result { () throws(EnvFileError) -> (old: [UInt8], new: [UInt8]) in
                let old = EnvFixture.bytes(try document.value(of: EnvShellGrammar.key))
                let new = EnvFixture.bytes(try document.replacing(key: EnvShellGrammar.key, value: SecretBytes(utf8: Self.newToken), comment: Self.comment))
                return (old, new)
            }
            verdicts.append(verdict)
            try Data(bytes).write(to: URL(fileURLWithPath: directory.file("f\(index).env")))
            names.append("f\(index).env")
            if case .success(let pair) = verdict {
                try Data(pair.new).write(to: URL(fileURLWithPath: directory.file("f\(index).new.env")))
                names.append("f\(index).new.env")
            }
        }
        // The two shells run side by side.
        let failures = Mutex<[String]>([])
        let sourced = names
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let shell = ["bash", "dash"][index]
            do { try Self.source(sourced, in: directory, shell: shell) } catch { failures.withLock { $0.append("\(shell): \(error)") } }
        }
        #expect(failures.withLock { $0 }.isEmpty)

        var rotated = 0
        var refused = 0
        for (index, verdict) in verdicts.enumerated() {
            let show = "seed \(seed), file \(index): \(String(decoding: files[index], as: UTF8.self).debugDescription)"
            switch verdict {
            case .failure(let error):
                refused += 1
                #expect(error.exitStatus == .badEnvFile)
                #expect(error.description.contains("f\(index).env"), "\(error.description)")
            case .success(let pair):
                rotated += 1
                let old = "set:" + String(decoding: pair.old, as: UTF8.self)
                let new = "set:" + Self.newToken
                let base = directory.file("f\(index)")
                let bashBefore = Self.reading(base + ".env.bash"), dashBefore = Self.reading(base + ".env.dash")
                let bashAfter = Self.reading(base + ".new.env.bash"), dashAfter = Self.reading(base + ".new.env.dash")
                let agree = bashBefore?.key == old && dashBefore?.key == old && bashAfter?.key == new && dashAfter?.key == new
                    && bashBefore?.others == bashAfter?.others && dashBefore?.others == dashAfter?.others
                    && bashBefore?.others == dashBefore?.others
                #expect(agree, """
                    rekey rotated, but the shells read it otherwise. \(show)
                    rotated: \(String(decoding: pair.new, as: UTF8.self).debugDescription)
                    rekey read \(old.debugDescription)
                    bash before \(String(describing: bashBefore)), after \(String(describing: bashAfter))
                    dash before \(String(describing: dashBefore)), after \(String(describing: dashAfter))
                    """)
            }
        }
        // The grammar must exercise both outcomes, or the test proves little.
        #expect(rotated >= Self.fileCount / 4, "only \(rotated) of \(Self.fileCount) files rotated (seed \(seed))")
        #expect(refused >= Self.fileCount / 4, "only \(refused) of \(Self.fileCount) files refused (seed \(seed))")
    }
}
