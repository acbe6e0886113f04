import Foundation
import RekeyCore

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
        let mark = switch report.outcome {
        case .ok: "✓"
        case .failed: "✗"
        case .compensated: "↩"
        case .compensationFailed: "✗↩"
        }
        say("\(mark) \(report.step.padding(toLength: 9, withPad: " ", startingAt: 0)) \(report.detail)")
    }

    func finish(_ report: RunReport) {
        if json {
            printJSON(report)
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
            printJSON(plan)
            return
        }
        for line in plan.lines { say(line) }
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
