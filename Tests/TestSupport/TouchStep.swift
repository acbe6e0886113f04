import Foundation
import RekeyCore

/// A step that exists only in the tests (and the test-only `toy-rekey` executable): it writes a
/// marker file, journaled ahead and after, and removes it when compensated or when `rekey recover`
/// undoes a run that died in or after it. Registering it is one line (`TouchStep.registry`); the
/// engine, `Rotation`, `Recovery` and `--dry-run` are not touched.
public struct TouchStep: Step {
    public static let stepName = "touch"
    /// Where a crash test kills the process: the marker is written, its `wrote` record is not.
    public static let crashPoint = "touch-after-marker"

    public var name: String { Self.stepName }
    public let marker: String
    public let fails: Bool

    public init(marker: String, fails: Bool = false) {
        self.marker = marker
        self.fails = fails
    }

    /// The standard steps plus this one, after them.
    public static func registry(marker: String, fails: Bool = false) -> StepRegistry {
        StepRegistry.standard.adding(.init(stepName, requires: ["rewrite"]) { _ in TouchStep(marker: marker, fails: fails) })
    }

    public func perform(_ run: RunContext) async throws -> StepResult {
        try run.record(.step(name: name, detail: "writing \(marker)"))
        _ = FileManager.default.createFile(atPath: marker, contents: Data("touched\n".utf8))
        CrashPoint.reach(Self.crashPoint)
        if fails { throw Refusal() }
        try run.record(.step(name: name, detail: "wrote \(marker)"))
        return StepResult(.said("wrote \(marker)"), changedTheWorld: true)
    }

    public func compensate(_ run: RunContext) async throws -> StepDetail? {
        guard FileManager.default.fileExists(atPath: marker) else { return nil }
        try FileManager.default.removeItem(atPath: marker)
        return .said("removed \(marker)")
    }

    public func plan(_ plan: PlanInput) -> [PlanItem] { [.step(name: name, text: "would write \(marker)")] }

    /// A run that died between `writing` and `wrote` did not finish this step: undo the run.
    public func assess(_ dead: DeadRun) async throws -> Assessment {
        let details = dead.journal.records.filter { $0.kind == .stepEvent && $0.step == name }.compactMap(\.detail)
        return details.contains("writing \(marker)") && !details.contains("wrote \(marker)") ? .mustUndo : .canFinish
    }

    public func settle(from dead: DeadRun) async throws {
        guard dead.mustUndo, FileManager.default.fileExists(atPath: marker) else { return }
        try dead.record(.step(name: name, detail: "removed \(marker)"))
        try FileManager.default.removeItem(atPath: marker)
        dead.note(.step(name: name, detail: "removed \(marker)"))
    }

    public struct Refusal: RekeyError {
        public var exitStatus: RekeyCore.ExitStatus { .unavailable }
        public var description: String { "the toy step refused" }
    }
}
