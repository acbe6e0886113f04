import Foundation

/// Prometheus' `promtool` (Debian's `prometheus` package, installed by scripts/install), the oracle
/// for the textfile format.
public enum Promtool {
    public static let path = "/usr/bin/promtool"

    /// `promtool check metrics < file`: its exit status and what it said, or nil when promtool is missing.
    public static func checkMetrics(_ file: String) throws -> (status: Int32, output: String)? {
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        let scratch = TempDirectory("rekey-promtool")
        let outPath = scratch.file("out")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
    }
}
