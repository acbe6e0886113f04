import Testing
@testable import RekeyCore

private typealias F = PlaybookFixture

@Suite("Playbook reload:")
struct PlaybookReloadTests {
    @Test("systemd form: try-restart by default, reload step added after probe, 30 s timeout")
    func systemdDefaults() throws {
        let playbook = try F.parse(F.appending("reload: {systemd: app.service}"))
        let reload = try #require(playbook.reload)
        #expect(reload.argv == ["systemctl", "--no-ask-password", "try-restart", "app.service"])
        #expect(reload.timeoutSeconds == 30 && reload.verify == nil)
        #expect(playbook.steps == [.backup, .mint, .rewrite, .probe, .reload])
    }

    @Test("command form with action, timeout and verify as written")
    func commandForm() throws {
        let playbook = try F.parse(F.appending("""
        reload:
          command: [/usr/local/bin/app-ctl, reload, --graceful]
          timeout: 2m
          verify: {command: [curl, -fsS, "http://127.0.0.1:8080/health"]}
        """))
        let reload = try #require(playbook.reload)
        #expect(reload.argv == ["/usr/local/bin/app-ctl", "reload", "--graceful"])
        #expect(reload.timeoutSeconds == 120)
        #expect(reload.verify == ["curl", "-fsS", "http://127.0.0.1:8080/health"])
        let restart = try F.parse(F.appending("reload: {systemd: app.service, action: try-reload-or-restart}"))
        #expect(restart.reload?.argv == ["systemctl", "--no-ask-password", "try-reload-or-restart", "app.service"])
    }

    @Test("without reload: the default steps stay as before: no reload step")
    func withoutReload() throws {
        let playbook = try F.parse(F.valid)
        #expect(playbook.reload == nil)
        #expect(!playbook.steps.contains(.reload))
    }

    @Test("invalid reload: forms are refused at line 15 with the way out", arguments: [
        ("reload: {}", ["reload needs systemd or command"]),
        ("reload: {systemd: app.service, command: [/bin/true]}", ["reload has both systemd and command"]),
        ("reload: {systemd: app.service, action: restart}", ["reload.action \"restart\" is not supported", "try-restart or try-reload-or-restart"]),
        ("reload: {command: [/bin/true], action: try-restart}", ["reload.action applies only to reload.systemd"]),
        ("reload: {systemd: --now}", ["is not a systemd unit name"]),
        ("reload: {systemd: app}", ["is not a systemd unit name", "app.service"]),
        ("reload: {command: []}", ["reload.command is empty"]),
        ("reload: {command: bin/reload}", ["reload.command must be a list"]),
        ("reload: {command: [bin/reload]}", ["relative path \"bin/reload\""]),
        ("reload: {systemd: app.service, timeout: 0s}", ["reload.timeout \"0s\" is not a duration between 1s and 1h"]),
        ("reload: {systemd: app.service, timeout: 30}", ["reload.timeout \"30\" is not a duration"]),
        ("reload: {systemd: app.service, timeout: 2h}", ["between 1s and 1h"]),
        ("reload: {systemd: app.service, verify: [/bin/true]}", ["reload.verify must be a mapping"]),
        ("reload: {systemd: app.service, verify: {}}", ["missing required key reload.verify.command"]),
        ("reload: {systemd: app.service, shell: true}", ["unknown key \"shell\" in reload"]),
        ("reload: {systemd: app.service}\nsteps: [backup, mint, rewrite, probe]", ["reload: is set but steps does not list reload"]),
    ])
    func invalid(_ yaml: String, _ mentions: [String]) throws {
        let error = try #require(F.error(F.appending(yaml)), "accepted: \(yaml)")
        let message = error.description
        #expect(message.hasPrefix("test.yml:15:"), "\(message)")
        for mention in mentions { #expect(message.contains(mention), "\(message)") }
        #expect(!message.contains("\n") && message.contains("; "))
        #expect(error.exitStatus == .config)
    }

    @Test("the reload step listed without reload: is refused")
    func stepWithoutConfig() throws {
        let error = try #require(F.error(F.appending("steps: [backup, mint, rewrite, probe, reload]")))
        #expect(error.description.contains("steps include reload but reload: is missing"))
    }

    @Test("durations: one unit, whole numbers", arguments: [("30s", 30), ("10m", 600), ("1h", 3600), ("30d", 2_592_000), ("0s", 0)])
    func duration(_ text: String, _ seconds: Int) {
        #expect(DurationText.parse(text) == seconds)
        #expect(DurationText.parse(DurationText.format(seconds: seconds)) == seconds)
    }

    @Test("not durations", arguments: ["", "30", "s", "1.5h", "-1s", "1w", "10 m", "١s"])
    func notDuration(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }
}
