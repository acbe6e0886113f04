import Foundation

/// The marker of a consumer's unfinished run: `runs/active/<consumer>` holds the run id from just
/// before the run's first journal record until just after its last. A marker that outlives its
/// process means the run died; `rekey recover` finishes or undoes it and removes the marker, and
/// `rekey run` / `rekey rollback` refuse to start until then.
public struct ActiveRun: Sendable {
    public let state: StateDirectory

    public init(state: StateDirectory) { self.state = state }

    public var directory: String { state.runsDirectory + "/active" }

    public func path(consumer: String) -> String { directory + "/" + consumer }

    /// The run id recorded for `consumer`, or nil when it has no unfinished run.
    public func current(consumer: String) -> String? {
        guard let bytes = try? AtomicFile.readBytes(path(consumer: consumer)) else { return nil }
        let run = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return RunID.isWellFormed(run) ? run : nil
    }

    /// Every consumer with an unfinished run, with its run id.
    public func all() -> [(consumer: String, run: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().compactMap { name in current(consumer: name).map { (name, $0) } }
    }

    /// Refuses when `consumer` has an unfinished run.
    public func ensureNone(consumer: String) throws {
        if let run = current(consumer: consumer) {
            throw UnfinishedRun(consumer: consumer, run: run)
        }
    }

    public func mark(consumer: String, run: String) throws {
        try state.files().replace(path(consumer: consumer), with: Array((run + "\n").utf8))
        RunIndex.record(state: state, consumer: consumer, run: run)
    }

    public func clear(consumer: String) throws {
        try state.files().remove(path(consumer: consumer))
    }
}

public struct UnfinishedRun: RekeyError {
    public var consumer: String
    public var run: String
    public var exitStatus: ExitStatus { .busy }
    public var description: String {
        "consumer \(consumer) has an unfinished run \(run) (the process died); run: rekey recover --consumer \(consumer)"
    }
}
