import Testing
@testable import RekeyCore

@Suite("playbook keys of revoke-previous")
struct PlaybookRevocationTests {
    @Test("revoke-previous is opt-in; its keys default to 10m, 14d and false")
    func defaults() throws {
        let playbook = try PlaybookFixture.parse(PlaybookFixture.valid)
        #expect(!playbook.steps.contains(.revokePrevious))
        #expect(playbook.revocation == RevocationPolicy(graceSeconds: 600, quietSeconds: 14 * 86_400, withoutUsageData: false))
    }

    @Test("listed with its keys, they are read")
    func listed() throws {
        let playbook = try PlaybookFixture.parse(PlaybookFixture.appending("""
            steps: [backup, mint, rewrite, probe, revoke-previous]
            revoke_grace: 0s
            revoke_quiet: 36h
            revoke_without_usage_data: true
            """))
        #expect(playbook.steps.last == .revokePrevious)
        #expect(playbook.revocation == RevocationPolicy(graceSeconds: 0, quietSeconds: 36 * 3_600, withoutUsageData: true))
    }

    @Test("a bad duration or flag is refused at its line, naming the key and an example")
    func refused() {
        let grace = PlaybookFixture.error(PlaybookFixture.appending("revoke_grace: soon"))
        #expect(grace?.line == 15 && grace?.description.contains("revoke_grace must be a number and a unit") == true
                && grace?.description.contains("revoke_grace: 10m") == true, "\(String(describing: grace))")
        let flag = PlaybookFixture.error(PlaybookFixture.appending("revoke_without_usage_data: maybe"))
        #expect(flag?.line == 15 && flag?.description.contains("revoke_without_usage_data") == true, "\(String(describing: flag))")
        let order = PlaybookFixture.error(PlaybookFixture.appending("steps: [backup, mint, rewrite, revoke-previous, probe]"))
        #expect(order?.description.contains("probe is listed after revoke-previous") == true, "\(String(describing: order))")
    }
}
