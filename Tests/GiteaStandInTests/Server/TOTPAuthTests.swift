import Foundation
import GiteaStandIn
import Testing

/// Gitea's rule since the 2026 TOTP replay fix: `ValidateAndConsumeTOTP` (models/auth/twofactor.go,
/// called from services/auth/basic.go) accepts a code of the previous, current or next step and
/// refuses the code it accepted last for that user.
@Suite("Password calls for a TOTP user need X-Gitea-OTP, and each code is accepted once")
struct TOTPAuthTests {
    static let carol = StandInUser(name: "carol", password: "carol-pw", totpSeedBase32: rfcSeed)
    /// Mid-step, so "the step before" and "the step after" are unambiguous.
    static let moment = Date(timeIntervalSince1970: 1_111_111_111)
    static let step = UInt64(1_111_111_111 / 30)

    static func code(_ offsetSteps: Double) throws -> String {
        try TOTP.code(seedBase32: rfcSeed, at: moment.addingTimeInterval(offsetSteps * 30))
    }

    static func list(_ standIn: StandIn, otp: String?) async throws -> Reply {
        try await standIn.send(.GET, "/api/v1/users/carol/tokens", as: .basic("carol", "carol-pw"), otp: otp)
    }

    @Test("the previous, current and next step's codes are accepted (skew 1)")
    func accepted() async throws {
        try await withStandIn(users: [Self.carol], clock: TestClock(Self.moment)) { (standIn) async throws in
            #expect(try Self.code(0) == "050471")  // RFC 6238 vector for this moment
            #expect(try await Self.list(standIn, otp: Self.code(-1)).status == 200)
            #expect(try await Self.list(standIn, otp: Self.code(1)).status == 200)
            let minted = try await standIn.mint("c", for: "carol", as: .basic("carol", "carol-pw"), otp: Self.code(0))
            #expect(minted.status == 201)
            #expect(await standIn.server.otpLog().map(\.step) == [Self.step - 1, Self.step + 1, Self.step])
        }
    }

    @Test("a missing, wrong, too old or too new code is 401 and nothing is minted")
    func refused() async throws {
        try await withStandIn(users: [Self.carol], clock: TestClock(Self.moment)) { (standIn) async throws in
            let current = try Self.code(0)
            let wrong = String(current.dropLast()) + (current.last == "0" ? "1" : "0")
            for otp in [nil, wrong, try Self.code(-2), try Self.code(2), "", "12345"] {
                let reply = try await Self.list(standIn, otp: otp)
                #expect(reply.status == 401, "otp \(otp ?? "nil")")
                #expect(reply.message == "invalid provided OTP")
                let minted = try await standIn.mint("c", for: "carol", as: .basic("carol", "carol-pw"), otp: otp)
                #expect(minted.status == 401)
            }
            #expect(await standIn.server.tokens(of: "carol").isEmpty)
            #expect(await standIn.server.otpLog().allSatisfy { $0.outcome != .accepted })
        }
    }

    @Test("the code accepted last is refused when sent again, logged as a replay by step")
    func replay() async throws {
        try await withStandIn(users: [Self.carol], clock: TestClock(Self.moment)) { (standIn) async throws in
            let first = try await standIn.mint("one", for: "carol", as: .basic("carol", "carol-pw"), otp: Self.code(0))
            #expect(first.status == 201)
            let again = try await standIn.mint("two", for: "carol", as: .basic("carol", "carol-pw"), otp: Self.code(0))
            #expect(again.status == 401)
            #expect(again.message == "invalid provided OTP")
            #expect(await standIn.server.tokens(of: "carol").map(\.name) == ["one"])
            // Another valid step's code works, and then (Gitea compares with the last code only)
            // so does the first one again.
            #expect(try await Self.list(standIn, otp: Self.code(1)).status == 200)
            #expect(try await Self.list(standIn, otp: Self.code(0)).status == 200)
            let log = await standIn.server.otpLog()
            #expect(log == [
                OTPCheck(user: "carol", step: Self.step, outcome: .accepted),
                OTPCheck(user: "carol", step: Self.step, outcome: .replayed),
                OTPCheck(user: "carol", step: Self.step + 1, outcome: .accepted),
                OTPCheck(user: "carol", step: Self.step, outcome: .accepted),
            ])
        }
    }

    @Test("OTPCheck.repeats finds a code sent twice in a row for a user, and nothing else")
    func repeats() {
        let log = [
            OTPCheck(user: "carol", step: 10, outcome: .accepted), OTPCheck(user: "dave", step: 10, outcome: .accepted),
            OTPCheck(user: "carol", step: 11, outcome: .accepted), OTPCheck(user: "carol", step: nil, outcome: .missing),
            OTPCheck(user: "carol", step: 11, outcome: .replayed), OTPCheck(user: "dave", step: 11, outcome: .accepted),
        ]
        #expect(OTPCheck.repeats(in: log) == [OTPCheck(user: "carol", step: 11, outcome: .replayed)])
        #expect(OTPCheck.repeats(in: Array(log.prefix(4))).isEmpty)
    }

    @Test("two requests racing with one code: exactly one is accepted")
    func race() async throws {
        try await withStandIn(users: [Self.carol], clock: TestClock(Self.moment)) { (standIn) async throws in
            let code = try Self.code(0)
            async let a = Self.list(standIn, otp: code)
            async let b = Self.list(standIn, otp: code)
            let statuses = try await [a.status, b.status].sorted()
            #expect(statuses == [200, 401])
        }
    }

    @Test("codes follow the clock: a code stops working two steps later")
    func followsClock() async throws {
        let clock = TestClock(Self.moment)
        try await withStandIn(users: [Self.carol], clock: clock) { (standIn) async throws in
            let code = try Self.code(0)
            clock.set(Self.moment.addingTimeInterval(30))
            #expect(try await Self.list(standIn, otp: code).status == 200)
            clock.set(Self.moment.addingTimeInterval(60))
            #expect(try await Self.list(standIn, otp: try Self.code(2)).status == 200)
            #expect(try await Self.list(standIn, otp: code).status == 401)
            #expect(await standIn.server.otpLog().last == OTPCheck(user: "carol", step: nil, outcome: .invalid))
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

    @Test("GET /_standin/otp-log gives the checks as JSON, with steps and never a code")
    func otpLogControl() async throws {
        try await withStandIn(users: [Self.carol], clock: TestClock(Self.moment)) { (standIn) async throws in
            let code = try Self.code(0)
            _ = try await Self.list(standIn, otp: code)
            _ = try await Self.list(standIn, otp: code)
            let reply = try await standIn.send(.GET, "/_standin/otp-log")
            #expect(reply.status == 200)
            #expect(reply.array.map { $0["outcome"] as? String } == ["accepted", "replayed"])
            #expect(reply.array.map { ($0["step"] as? NSNumber)?.uint64Value } == [Self.step, Self.step])
            #expect(!String(decoding: reply.body, as: UTF8.self).contains(code))
        }
    }
}

@Suite("Gitea before the 2026 TOTP replay fix")
struct LegacyTOTPTests {
    @Test("with singleUseOTP off, the same code is accepted twice in a row")
    func replayAccepted() async throws {
        try await withStandIn(users: [TOTPAuthTests.carol], singleUseOTP: false, clock: TestClock(TOTPAuthTests.moment)) {
            (standIn) async throws in
            let code = try TOTPAuthTests.code(0)
            #expect(try await TOTPAuthTests.list(standIn, otp: code).status == 200)
            #expect(try await TOTPAuthTests.list(standIn, otp: code).status == 200)
            #expect(await standIn.server.otpLog().map(\.outcome) == [.accepted, .accepted])
        }
    }
}
