import Foundation
import Testing
import RekeyCore
import RekeyText
import TestSupport

// The toy step, `TouchStep`, lives in TestSupport: the test-only `toy-rekey` executable registers
// it too, to show it settled by `recover` after a SIGKILL (ToyStepEndToEndTests).

@Suite("a step added with one file and one registry line")
struct ToyStepTests {
    static func registry(marker: String, fails: Bool = false) -> StepRegistry { TouchStep.registry(marker: marker, fails: fails) }

    static func fixture(_ registry: StepRegistry) throws -> EngineFixture {
        try EngineFixture(steps: Playbook.defaultSteps + [try #require(StepKind("touch", in: registry))])
    }

    @Test("it runs in its place before the commit point and is journaled there")
    func journaled() async throws {
        let directory = TempDirectory("rekey-toy")
        let registry = Self.registry(marker: directory.file("marker"))
        let fixture = try Self.fixture(registry)
        var rotation = fixture.rotation(gitea: FakeGitea(login: "ops-automation"))
        rotation.registry = registry
        let report = try await rotation.run()
        #expect(report.outcome == .rotated && report.exitCode == 0)
        #expect(report.steps.map(\.step) == ["validate", "backup", "mint", "rewrite", "probe", "touch"])
        #expect(FileManager.default.fileExists(atPath: directory.file("marker")))
        let records = try Journal.read(path: report.journal, run: report.run, sealer: fixture.sealer).records.map(\.0)
        #expect(records.map(\.kind).suffix(5) == [.probed, .stepEvent, .stepEvent, .committed, .done])
        #expect(records.first { $0.kind == .stepEvent }?.step == "touch")
        #expect(StepKind(rawValue: "touch") == nil, "the standard registry does not know the toy step")
    }

    @Test("when it fails, it and every step before it are compensated: the file is restored and the token deleted")
    func compensated() async throws {
        let directory = TempDirectory("rekey-toy")
        let registry = Self.registry(marker: directory.file("marker"), fails: true)
        let fixture = try Self.fixture(registry)
        let before = fixture.envBytes
        let gitea = FakeGitea(login: "ops-automation")
        var rotation = fixture.rotation(gitea: gitea)
        rotation.registry = registry
        let report = try await rotation.run()
        #expect(report.outcome == .rolledBack)
        #expect(report.exitCode == RekeyCore.ExitStatus.unavailable.rawValue)
        #expect(!FileManager.default.fileExists(atPath: directory.file("marker")))
        #expect(fixture.envBytes == before)
        #expect(gitea.tokenNames.isEmpty)
        let records = try Journal.read(path: report.journal, run: report.run, sealer: fixture.sealer).records.map(\.0)
        #expect(records.filter { $0.kind == .compensated }.compactMap(\.step) == ["touch", "rewrite", "mint"])
    }

    @Test("a dry run plans it, after the standard steps, and changes nothing")
    func planned() async throws {
        let directory = TempDirectory("rekey-toy")
        let registry = Self.registry(marker: directory.file("marker"))
        let fixture = try Self.fixture(registry)
        var dryRun = DryRun(playbook: fixture.playbook, state: fixture.state, sealer: fixture.sealer, gitea: FakeGitea(login: "ops-automation"))
        dryRun.registry = registry
        let plan = try await dryRun.plan()
        #expect(plan.items.last == .step(name: "touch", text: "would write \(directory.file("marker"))"))
        #expect(PlanText.lines(plan).last == "  touch     would write \(directory.file("marker"))")
        #expect(plan.steps == ["backup", "mint", "rewrite", "probe", "touch"])
        #expect(!FileManager.default.fileExists(atPath: directory.file("marker")))
    }
}
