import ArgumentParser
import RekeyCore

/// The options of `rekey run --unattended` (README, "Unattended mode").
struct UnattendedFlags: ParsableArguments {
    @Flag(help: "Rotate what is due across playbooks and directories of them; never prompt; quiet unless something failed.")
    var unattended = false

    @Option(help: "Consumers handled at once (default 4).")
    var parallel: Int = 4

    @Flag(help: "Rotate every consumer whether due or not (stuck consumers are still skipped).")
    var force = false

    @Option(name: .customLong("max-heal"), help: "Most rotations of rejected tokens (self-heals) per invocation (default 3).")
    var maxHeal: Int = 3

    @Option(help: "Sleep a random time below this duration (e.g. 30m) before the first request, when something is due.")
    var jitter: String?

    @Option(help: "Deadline of the whole invocation, e.g. 10m (default 10m).")
    var deadline: String = "10m"

    @Option(help: "Retries of a transient failure (lost answer, 502, 503, 504), with capped jittered backoff (default 4).")
    var retries: Int = 4

    @Option(help: "Write the status of every consumer to this node_exporter textfile (atomic).")
    var prometheus: String?

    func validate() throws {
        guard unattended || (jitter == nil && prometheus == nil && !force) else {
            throw ValidationError("--jitter, --force and --prometheus need --unattended")
        }
        guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be between 1 and 64") }
        guard (0...1000).contains(maxHeal) else { throw ValidationError("--max-heal must be between 0 and 1000") }
        guard (0...10).contains(retries) else { throw ValidationError("--retries must be between 0 and 10") }
        guard let seconds = DurationText.parse(deadline), seconds >= 1 else {
            throw ValidationError("--deadline must be a duration like 10m or 90s")
        }
        _ = seconds
        if let jitter { guard DurationText.parse(jitter) != nil else { throw ValidationError("--jitter must be a duration like 30m or 0s") } }
    }

    var options: UnattendedOptions {
        var options = UnattendedOptions()
        options.parallel = parallel
        options.force = force
        options.maxHeal = maxHeal
        options.jitterSeconds = jitter.flatMap(DurationText.parse) ?? 0
        options.deadline = .seconds(DurationText.parse(deadline) ?? 600)
        options.retries = retries
        return options
    }
}
