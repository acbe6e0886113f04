import Foundation
import RekeyCore
import RekeyText

/// Prints a run for people (one line per step, ✓/✗/↩) or as one JSON object (`--json`).
/// Only identifiers and last-eight tails ever reach it.
struct RunPrinter {
    let json: Bool

    /// Runs `body`; a core error before the engine starts is printed (and in JSON mode also as a
    /// JSON object) and turned into its exit status.
    func guarding(_ body: () async throws -> ExitStatus) async -> ExitStatus {
        do {
            return try await body()
        } catch {
            let (message, status) = Self.classify(error)
            printError(message)
            if json {
                emit(["outcome": "failed", "exitCode": Int(status.rawValue), "error": message] as [String: any Sendable])
            }
            return status
        }
    }

    /// Renders the run's event stream: a line per finished or compensated step (warnings are
    /// printed by the logger already; started steps print nothing).
    func event(_ event: OperationEvent) {
        switch event {
        case .stepFinished(let report), .compensated(let report): step(report)
        case .stepStarted, .warning, .settled: break
        }
    }

    func step(_ report: StepReport) {
        guard !json else { return }
        say(StepText.line(report))
    }

    func finish(_ report: RunReport) {
        if json {
            printJSON(ReportJSON(report: report))
            return
        }
        switch report.outcome {
        case .rotated: say("rotated \(report.consumer) in run \(report.run): \(report.state)")
        case .rolledBack: say("rolled back \(report.consumer) in run \(report.run): \(report.state)")
        case .failed: say("failed \(report.consumer) in run \(report.run): \(report.state)")
        case .needsAttention: say("NEEDS ATTENTION \(report.consumer) in run \(report.run): \(report.state)")
        }
        if let error = report.error, report.outcome != .rotated { printError(error) }
    }

    func plan(_ plan: DryRun.Plan) {
        if json {
            printJSON(PlanJSON(plan: plan))
            return
        }
        for line in PlanText.lines(plan) { say(line) }
    }

    /// A run's fields plus its steps with their details rendered, as `--json` prints them.
    struct ReportJSON: Encodable {
        let report: RunReport

        struct StepJSON: Encodable {
            var step: String
            var outcome: StepReport.Outcome
            var detail: String
            var milliseconds: Int
        }

        enum Keys: String, CodingKey { case steps }

        func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(report.steps.map { StepJSON(step: $0.step, outcome: $0.outcome, detail: StepText.detail($0.detail), milliseconds: $0.milliseconds) },
                                 forKey: .steps)
        }
    }

    /// A plan's fields plus its rendered `lines`.
    struct PlanJSON: Encodable {
        let plan: DryRun.Plan

        enum Keys: String, CodingKey { case lines }

        func encode(to encoder: any Encoder) throws {
            try plan.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(PlanText.lines(plan), forKey: .lines)
        }
    }

    private func emit(_ object: [String: any Sendable]) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]) {
            say(String(decoding: data, as: UTF8.self))
        }
    }

    static func classify(_ error: Error) -> (String, ExitStatus) {
        (ErrorLine.forPeople(error), ErrorLine.exitStatus(error))
    }
}
