import Foundation
import GiteaStandIn
import Testing

@Suite("Password calls for a TOTP user need X-Gitea-OTP")
struct TOTPAuthTests {
    static let carol = StandInUser(name: "carol", password: "carol-pw", totpSeedBase32: rfcSeed)
    /// Mid-step, so "the step before" and "the step after" are unambiguous.
    static let moment = Date(timeIntervalSince1970: 1_111_111_111)

    static func code(_ offsetSteps: Double) throws -> String {
        try TOTP.code(seedBase32: rfcSeed, at: moment.addingTimeInterval(offsetSteps * 30))
    }

    static func list(_ standIn: StandIn, otp: String?) async throws -> Reply {
        try await standIn.send(.GET, "/api/v1/users/carol/tokens", as: .basic("carol", "carol-pw"), otp: otp)
    }

    @Test("the current code and the previous step's code are accepted")
    func accepted() async throws {
        try await withStandIn(users: [Self.carol], clock: TestClock(Self.moment)) { (standIn) async throws in
            #expect(try Self.code(0) == "050471")  // RFC 6238 vector for this moment
            #expect(try await Self.list(standIn, otp: Self.code(0)).status == 200)
            #expect(try await Self.list(standIn, otp: Self.code(-1)).status == 200)
            let minted = try await standIn.mint("c", for: "carol", as: .basic("carol", "carol-pw"), otp: Self.code(0))
            #expect(minted.status == 201)
        }
    }

    @Test("a missing, wrong, older or future code is 401 and nothing is minted")
    func refused() async throws {
        try await withStandIn(users: [Self.carol], clock: TestClock(Self.moment)) { (standIn) async throws in
            let current = try Self.code(0)
            let wrong = String(current.dropLast()) + (current.last == "0" ? "1" : "0")
            for otp in [nil, wrong, try Self.code(-2), try Self.code(1), "", "12345"] {
                let reply = try await Self.list(standIn, otp: otp)
                #expect(reply.status == 401, "otp \(otp ?? "nil")")
                let minted = try await standIn.mint("c", for: "carol", as: .basic("carol", "carol-pw"), otp: otp)
                #expect(minted.status == 401)
            }
            #expect(await standIn.server.tokens(of: "carol").isEmpty)
        }
    }

    @Test("codes follow the clock: a code stops working two steps later")
    func followsClock() async throws {
        let clock = TestClock(Self.moment)
        try await withStandIn(users: [Self.carol], clock: clock) { (standIn) async throws in
            let code = try Self.code(0)
            #expect(try await Self.list(standIn, otp: code).status == 200)
            clock.set(Self.moment.addingTimeInterval(30))
            #expect(try await Self.list(standIn, otp: code).status == 200)
            clock.set(Self.moment.addingTimeInterval(60))
            #expect(try await Self.list(standIn, otp: code).status == 401)
        }
    }

    @Test("a token of a TOTP user needs no code")
    func tokensSkipOTP() async throws {
        try await withStandIn(users: [Self.carol], clock: TestClock(Self.moment)) { (standIn) async throws in
            let minted = try await standIn.mint("c", for: "carol", as: .basic("carol", "carol-pw"), otp: Self.code(0))
            let value = try #require(minted.object["sha1"] as? String)
            let me = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            #expect(me.status == 200)
            #expect(me.object["login"] as? String == "carol")
        }
    }
}
