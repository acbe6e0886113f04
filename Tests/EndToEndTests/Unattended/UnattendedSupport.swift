import Foundation
import GiteaStandIn
import RekeyCore
import TestSupport

/// Helpers for the unattended tests: more consumers on one host, request counts, waiting for a
/// background process.
extension EndToEndHost {
    /// `rekey run --unattended` with `arguments` after it (the playbook by default).
    @discardableResult
    func unattended(_ arguments: [String] = [], paths: [String]? = nil) async throws -> ProcessResult {
        try await rekey(["run", "--unattended"] + arguments + (paths ?? [playbookPath]))
    }

    /// API requests the stand-in saw since `start` (an index into its log).
    func requests(since start: Int) async -> [String] {
        Array(await server.requestLog().dropFirst(start))
    }

    var requestCount: Int { get async { await server.requestLog().count } }

    static let mintCall = "POST /api/v1/users/ops-automation/tokens"

    /// A second consumer `name` in directory `folder` (created 0755): its own env file with a fresh
    /// token and its own playbook. Returns the playbook's path.
    @discardableResult
    func addConsumer(_ name: String, in folder: String = "books", extra: String = "", envText: String? = nil) async throws -> String {
        let dir = directory.file(folder)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o755)
        let token = try await mintDirectly(name: "initial-\(name)-\(UUID().uuidString.prefix(6))")
        let env = try directory.write("\(name).env", envText ?? "GITEA_TOKEN=\(token)\n", mode: 0o640)
        return try directory.write("\(folder)/\(name).yml", PlaybookText.make(consumer: name, url: baseURL, persona: persona, file: env,
                                                                               comment: "# rotated {utc} ({token_name})", extra: extra),
                                   mode: 0o600)
    }

    func token(in path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix("GITEA_TOKEN=") }.map { String($0.dropFirst("GITEA_TOKEN=".count)) } ?? ""
    }

    func statusRecord(_ consumer: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: statePath + "/consumers/\(consumer).json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}

/// Waits for a process started with `ProcessRunner.start`, without blocking the concurrency pool;
/// gives up (returns nil) after `limit`.
func waitForExit(_ process: Process, limit: Duration = .seconds(60)) async -> Int32? {
    let end = ContinuousClock.now + limit
    while process.isRunning {
        if ContinuousClock.now > end { return nil }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return process.terminationStatus
}
