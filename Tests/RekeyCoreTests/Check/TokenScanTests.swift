import Foundation
import Testing
import TestSupport
@testable import RekeyCore

/// What `rekey check` finds in env files on a real disk.
@Suite("check: finding tokens in env files")
struct TokenScanTests {
    static let tokenA = String(repeating: "a1", count: 20)
    static let tokenB = String(repeating: "0f", count: 20)

    @Test("every variable holding 40 lowercase hex, quoted or not, with its line; other values only by --key")
    func variables() throws {
        let dir = TempDirectory("rekey-scan")
        let file = try dir.write("app.env", """
        # app
        GITEA_URL=https://gitea.example.org
        export GITEA_TOKEN=\(Self.tokenA)
        BACKUP_TOKEN='\(Self.tokenB)'
        UPPER=\(Self.tokenA.uppercased())
        SHORT=abc123
        """)
        let plain = TokenScan.scan([file])
        #expect(plain.problems.isEmpty)
        #expect(plain.found.map(\.variable) == ["GITEA_TOKEN", "BACKUP_TOKEN"])
        #expect(plain.found.map(\.line) == [3, 4])
        #expect(plain.found.map(\.lastEight) == [String(Self.tokenA.suffix(8)), String(Self.tokenB.suffix(8))])

        let named = TokenScan.scan([file], keys: ["SHORT", "MISSING"])
        #expect(named.found.map(\.variable) == ["GITEA_TOKEN", "BACKUP_TOKEN", "SHORT"])
        #expect(named.problems.count == 1 && named.problems[0].problem.contains("MISSING"), "\(named.problems)")
    }

    @Test("a directory: regular files only, hidden names and binaries skipped, a file given twice read once")
    func directory() throws {
        let dir = TempDirectory("rekey-scan")
        let first = try dir.write("one.env", "T=\(Self.tokenA)\n")
        try dir.write(".one.env.rekey-tmp.0a1b", "T=\(Self.tokenB)\n")
        try dir.write("blob.bin", "T=\(Self.tokenB)\n\0\0")
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: false)
        try dir.write("sub/deep.env", "T=\(Self.tokenB)\n")
        let scan = TokenScan.scan([dir.path, first])
        #expect(scan.problems.isEmpty, "\(scan.problems)")
        #expect(scan.found.map(\.file) == [dir.file("one.env")])

        // A relative path is named absolutely (rows and metric labels do not depend on the working directory).
        #expect(TokenScan.absolute("etc/one.env") == FileManager.default.currentDirectoryPath + "/etc/one.env")
        #expect(TokenScan.absolute(dir.path) == dir.path)
    }

    @Test("a FIFO, a world-writable file and a missing file given by name are refused with their reason, without hanging; a trusted symlink is read as a rotation reads it")
    func refusals() throws {
        let dir = TempDirectory("rekey-scan")
        let real = try dir.write("real.env", "T=\(Self.tokenA)\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.env"), withDestinationPath: real)
        #expect(mkfifo(dir.file("pipe.env"), 0o600) == 0)
        let open = try dir.write("open.env", "T=\(Self.tokenA)\n", mode: 0o666)
        let scan = TokenScan.scan([dir.file("pipe.env"), open, dir.file("none.env"), dir.file("link.env")])
        #expect(scan.found.map(\.file) == [dir.file("link.env")])
        #expect(scan.problems.map(\.file) == [dir.file("pipe.env"), open, dir.file("none.env")])
        #expect(scan.problems[0].problem.contains("not a regular file"), "\(scan.problems)")
        #expect(scan.problems[1].problem.contains("writable by every user"))
        #expect(scan.problems[2].problem.contains("no such file"))
        for problem in scan.problems { #expect(!problem.problem.contains(Self.tokenA)) }
    }

    @Test("statuses map to rekey_check_token_valid; labels are escaped; unreachable tokens have no sample")
    func metrics() {
        func row(_ file: String, _ status: CheckRow.Status) -> CheckRow {
            CheckRow(file: file, line: 1, variable: "T", lastEight: "00000000", status: status)
        }
        let text = CheckMetrics.render([row("/a.env", .ok), row("/b\"\\.env", .rejected), row("/c.env", .unreachable),
                                        row("/d.env", .accountDisabled), row("/e.env", .otherPersona)])
        #expect(text.contains("# TYPE rekey_check_token_valid gauge\n"))
        #expect(text.contains("rekey_check_token_valid{file=\"/a.env\",variable=\"T\"} 1\n"))
        #expect(text.contains("rekey_check_token_valid{file=\"/b\\\"\\\\.env\",variable=\"T\"} 0\n"))
        #expect(!text.contains("/c.env"))
        #expect(text.contains("{file=\"/d.env\",variable=\"T\"} 0\n") && text.contains("{file=\"/e.env\",variable=\"T\"} 1\n"))
        #expect(CheckVerdict(rows: [row("/a", .ok), row("/c", .unreachable)], problems: []).exitStatus == .unavailable)
        #expect(CheckVerdict(rows: [row("/a", .noReadUser)], problems: []).isWell)
        #expect(CheckVerdict(rows: [row("/a", .accountDisabled), row("/c", .unreachable)], problems: []).exitStatus == .unhealthy)
    }
}
