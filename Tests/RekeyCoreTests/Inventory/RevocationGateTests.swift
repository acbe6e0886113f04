import Foundation
import RekeyCore
import Testing

@Suite("the revocation gate")
struct RevocationGateTests {
    let replaced = Date(timeIntervalSince1970: 1_800_000_000)
    func token(lastUsed: TimeInterval?) -> TokenInfo {
        TokenInfo(id: 7, name: "old", lastEight: "abcdef12", scopes: ["read:user"],
                  createdAt: replaced.addingTimeInterval(-86_400), lastUsedAt: lastUsed.map { replaced.addingTimeInterval($0) })
    }

    @Test("each condition keeps the token, with its reason; otherwise it is revoked")
    func decisions() {
        let gate = RevocationGate(policy: RevocationPolicy(graceSeconds: 600, quietSeconds: 3_600))
        let later = replaced.addingTimeInterval(700)
        #expect(gate.decide(token: token(lastUsed: -5), holders: ["b (/etc/b.env:T)"], replacedAt: replaced, now: later)
                == .pending("still held by b (/etc/b.env:T)"))
        #expect(gate.decide(token: token(lastUsed: -5), holders: [], replacedAt: replaced, now: replaced.addingTimeInterval(599))
                == .pending("grace until 2027-01-15T08:10:00Z"))
        #expect(gate.decide(token: token(lastUsed: -5), holders: [], replacedAt: replaced, now: later) == .revoke)
        #expect(gate.decide(token: token(lastUsed: 30), holders: [], replacedAt: replaced, now: later) == .revoke)
        #expect(gate.decide(token: token(lastUsed: 31), holders: [], replacedAt: replaced, now: later)
                == .pending("used at 2027-01-15T08:00:31Z after it was replaced: an unknown consumer; quiet until 2027-01-15T09:00:31Z"))
        #expect(gate.decide(token: token(lastUsed: 31), holders: [], replacedAt: replaced, now: replaced.addingTimeInterval(3_631)) == .revoke)
        #expect(gate.decide(token: token(lastUsed: nil), holders: [], replacedAt: replaced, now: later) == .pending("no usage data"))
        #expect(gate.decide(token: token(lastUsed: nil), holders: [], replacedAt: replaced, now: later, confirmed: true) == .revoke)
        #expect(gate.decide(token: token(lastUsed: nil), holders: ["x"], replacedAt: replaced, now: later, confirmed: true) != .revoke)
        let lenient = RevocationGate(policy: RevocationPolicy(graceSeconds: 0, withoutUsageData: true))
        #expect(lenient.decide(token: token(lastUsed: nil), holders: [], replacedAt: replaced, now: replaced) == .revoke)
    }

    @Test("durations: digits and one unit, formatted back in the largest exact unit")
    func durations() {
        #expect(DurationText.parse("10m") == 600 && DurationText.parse("0s") == 0 && DurationText.parse("14d") == 1_209_600)
        for bad in ["", "m", "10", "1.5h", "-1m", "10 m", "10w", "99999999999d"] { #expect(DurationText.parse(bad) == nil, "\(bad)") }
        #expect(DurationText.format(seconds: 600) == "10m" && DurationText.format(seconds: 90) == "90s" && DurationText.format(seconds: 0) == "0s")
    }
}
