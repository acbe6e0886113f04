import Foundation
import Logging
import RekeyCore
import RekeyText
import TestSupport

// toy-rekey: a test-only executable that proves a step is one file plus one registry line. It is
// rekey's run, recover and dry run with `TouchStep` registered (`TouchStep.registry`) and appended to
// the playbook's steps; RekeyCore's engine, rotation, recovery and dry run are used unchanged.
//
//   toy-rekey run PLAYBOOK MARKER       rotate; the toy step writes MARKER (TOY_FAIL=1: it fails)
//   toy-rekey recover MARKER            settle every unfinished run
//   toy-rekey plan PLAYBOOK MARKER      the dry run
//
// The state directory and master key come from REKEY_STATE_DIR and REKEY_KEY_FILE, as for rekey.
// Exit codes are rekey's.

let environment = ProcessInfo.processInfo.environment
let arguments = Array(CommandLine.arguments.dropFirst())
let state = StateDirectory(root: environment["REKEY_STATE_DIR"] ?? "/var/lib/rekey")
let logger = Logger(label: "toy-rekey") { StreamLogHandler.standardError(label: $0) }

func fail(_ message: String, _ status: Int32) -> Never {
    FileHandle.standardError.write(Data("toy-rekey: \(message)\n".utf8))
    exit(status)
}

func sealer() throws -> Sealer {
    let keyPath = environment["REKEY_KEY_FILE"] ?? "/etc/rekey/master.key"
    try KeyRotationLock.enterKeyUse(state: state, keyPath: keyPath)
    return Sealer(key: try MasterKey.load(from: keyPath))
}

func client(_ url: String, _ transport: LiveHTTPTransport) -> GiteaClient {
    GiteaClient(baseURL: url, transport: transport, otpSteps: FileOTPSteps(state: state))
}

func playbook(_ path: String, registry: StepRegistry) throws -> Playbook {
    var book = try Playbook.load(path: path, environment: environment)
    if let touch = StepKind(TouchStep.stepName, in: registry) { book.steps.append(touch) }
    return book
}

do {
    let transport = try LiveHTTPTransport()
    switch (arguments.first, arguments.count) {
    case ("run", 3):
        let registry = TouchStep.registry(marker: arguments[2], fails: environment["TOY_FAIL"] == "1")
        let book = try playbook(arguments[1], registry: registry)
        var rotation = Rotation(playbook: book, state: state, sealer: try sealer(), gitea: client(book.gitea.url, transport), logger: logger)
        rotation.registry = registry
        let report = try await rotation.run { print("\($0.outcome.rawValue) \($0.step): \(StepText.detail($0.detail))") }
        print("\(report.outcome.rawValue) \(report.run)")
        await transport.shutdown()
        exit(report.exitCode)
    case ("recover", 2):
        let recovery = Recovery(state: state, sealer: try sealer(), logger: logger,
                                registry: TouchStep.registry(marker: arguments[1])) { client($0, transport) }
        let outcomes = await recovery.recoverAll()
        for outcome in outcomes {
            print("\(outcome.settled ? "settled" : "unfinished") \(outcome.consumer) run \(outcome.run): \(outcome.state)")
            for action in outcome.actions { print("    \(action)") }
        }
        await transport.shutdown()
        exit(outcomes.map(\.exitCode).max() ?? 0)
    case ("plan", 3):
        let registry = TouchStep.registry(marker: arguments[2])
        let book = try playbook(arguments[1], registry: registry)
        var dryRun = DryRun(playbook: book, state: state, sealer: try sealer(), gitea: client(book.gitea.url, transport))
        dryRun.registry = registry
        for line in PlanText.lines(try await dryRun.plan()) { print(line) }
        await transport.shutdown()
    default:
        fail("usage: toy-rekey run PLAYBOOK MARKER | recover MARKER | plan PLAYBOOK MARKER", 64)
    }
} catch {
    fail(ErrorLine.describe(error), ((error as? any RekeyError)?.exitStatus ?? .software).rawValue)
}
