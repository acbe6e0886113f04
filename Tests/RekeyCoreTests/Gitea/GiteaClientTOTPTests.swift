import Foundation
import Testing
@testable import RekeyCore

/// Single-use one-time codes, answer validation and escaping, over a scripted transport. The same
/// behaviours against the stand-in and the real binary are in Tests/EndToEndTests/GiteaClientEndToEndTests.swift.
@Suite("GiteaClient: one-time codes, validated answers, escaped words")
struct GiteaClientTOTPTests {
    static let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static let token = String(repeating: "ab", count: 20)
    var totp: BasicCredential {
        BasicCredential(username: "ops", password: SecretBytes(utf8: "pw"), totpSeed: SecretBytes(utf8: Self.seed))
    }
    var plain: BasicCredential { BasicCredential(username: "ops", password: SecretBytes(utf8: "pw")) }

    func client(_ transport: ScriptedTransport, ledger: InMemoryOTPSteps = InMemoryOTPSteps()) -> GiteaClient {
        GiteaClient(baseURL: "https://gitea.test", transport: transport,
                    retry: RetryPolicy(attempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1)) { _ in },
                    clock: { Date(timeIntervalSince1970: 59) }, otpSteps: ledger)
    }

    func codes(_ transport: ScriptedTransport) -> [String] {
        transport.requests.compactMap { request in request.headers.first { $0.0 == "X-Gitea-OTP" }?.1 }
    }

    static func validCodes() throws -> Set<String> {
        Set(try (0...2).map { try TOTP.code(seed: SecretBytes(utf8: seed), step: UInt64($0), entry: "ops") })
    }

    @Test("calls in one 30-second step never send a code twice in a row, and each code is valid (skew 1)")
    func noCodeTwiceInARow() async throws {
        let transport = ScriptedTransport(Array(repeating: .json(200, "[]"), count: 5))
        let client = client(transport)
        for _ in 0..<5 { _ = try await client.listTokens(persona: "ops", auth: totp) }
        let sent = codes(transport)
        #expect(sent.count == 5)
        #expect(zip(sent, sent.dropFirst()).allSatisfy { $0 != $1 })
        #expect(Set(sent).isSubset(of: try Self.validCodes()))
    }

    @Test("a retry after 5xx sends fresh headers with another code")
    func retryHasFreshCode() async throws {
        let transport = ScriptedTransport([.json(503, "{}"), .json(200, "[]")])
        _ = try await client(transport).listTokens(persona: "ops", auth: totp)
        let sent = codes(transport)
        #expect(sent.count == 2 && sent[0] != sent[1])
    }

    @Test("a 401 on a TOTP persona is retried once with another step's code; a second 401 fails (exit 77)")
    func otp401RetriedOnce() async throws {
        let once = ScriptedTransport([.json(401, #"{"message":"invalid provided OTP"}"#), .json(200, "[]")])
        _ = try await client(once).listTokens(persona: "ops", auth: totp)
        #expect(codes(once).count == 2 && codes(once)[0] != codes(once)[1])

        let twice = ScriptedTransport([.json(401, "{}"), .json(401, "{}"), .json(200, "[]")])
        let error = await #expect(throws: GiteaError.self) { try await client(twice).checkCredential(persona: "ops", auth: totp) }
        #expect(error?.exitStatus == .noPermission)
        #expect(twice.requests.count == 2)
    }

    @Test("a 401 without TOTP is not retried: a wrong password costs one request")
    func plain401NotRetried() async throws {
        let transport = ScriptedTransport([.json(401, "{}"), .json(200, "[]")])
        await #expect(throws: GiteaError.self) { try await client(transport).checkCredential(persona: "ops", auth: plain) }
        #expect(transport.requests.count == 1)
    }

    @Test("a mint answer naming another token is refused, and the token is deleted by id at once")
    func wrongNameDeleted() async throws {
        let hostile = "evil\u{2028}NODE_OPTIONS=--require=/tmp/x"
        let body = #"{"id":7,"name":"\#(hostile)","sha1":"\#(Self.token)","token_last_eight":"abababab"}"#
        let transport = ScriptedTransport([.json(201, body), .answer(HTTPAnswer(status: 204))])
        let error = await #expect(throws: GiteaError.self) {
            _ = try await client(transport).mintToken(persona: "ops", name: "ops-run1", scopes: ["read:user"], auth: totp)
        }
        let text = try #require(error?.description)
        #expect(text.contains("not the requested 'ops-run1'") && text.contains("deleted that token (id 7)"))
        #expect(text.contains("\\u{2028}") && !text.contains("\u{2028}"))
        #expect(!text.contains(Self.token))
        #expect(transport.requests.last?.method == "DELETE" && transport.requests.last?.url.hasSuffix("/users/ops/tokens/7") == true)
        #expect(zip(codes(transport), codes(transport).dropFirst()).allSatisfy { $0 != $1 })
    }

    @Test("a mint answer whose last eight is not the value's is refused and deleted")
    func lastEightMismatch() async throws {
        let body = #"{"id":8,"name":"n","sha1":"\#(Self.token)","token_last_eight":"12345678"}"#
        let transport = ScriptedTransport([.json(201, body), .answer(HTTPAnswer(status: 204))])
        let error = await #expect(throws: GiteaError.self) {
            _ = try await client(transport).mintToken(persona: "ops", name: "n", scopes: ["read:user"], auth: plain)
        }
        #expect(error?.description.contains("token_last_eight '12345678' is not the last eight") == true)
        #expect(transport.requests.last?.method == "DELETE")
    }

    @Test("the minted token's name and last eight handed on are the local ones")
    func mintedInfoIsLocal() async throws {
        let body = #"{"id":9,"name":"n","sha1":"\#(Self.token)","token_last_eight":"abababab","scopes":["read:user"]}"#
        let minted = try await client(ScriptedTransport([.json(201, body)])).mintToken(persona: "ops", name: "n", scopes: ["read:user"], auth: plain)
        #expect(minted.info.name == "n" && minted.info.lastEight == String(Self.token.suffix(8)))
    }

    @Test("control and bidi characters in messages, logins and listed names are escaped")
    func serverWordsEscaped() async throws {
        let transport = ScriptedTransport([
            .json(404, #"{"message":"no \u001b[31mred\r\u202e"}"#),
            .json(200, #"{"login":"ops\u001b]0;x\u0007"}"#),
            .json(200, #"[{"id":1,"name":"a\u0085b","token_last_eight":"\u2066"}]"#),
        ])
        let client = client(transport)
        let error = await #expect(throws: GiteaError.self) { try await client.checkCredential(persona: "ops", auth: plain) }
        let message = try #require(error?.description)
        // A line break (CR here) becomes a space: a message stays on one line.
        #expect(message.contains("no \\u{001B}[31mred \\u{202E}"))
        #expect(PrintableText.firstUnsafe(in: message) == nil)
        let login = try await client.login(of: SecretBytes(utf8: Self.token))
        #expect(login == "ops\\u{001B}]0;x\\u{0007}")
        let listed = try await client.listTokens(persona: "ops", auth: plain)
        #expect(listed.first?.name == "a\\u{0085}b" && listed.first?.lastEight == "\\u{2066}")
    }

    @Test("a 403 'prohibited from signing in' is a disabled account (exit 77), not a missing scope")
    func disabledAccount() async throws {
        let transport = ScriptedTransport([.json(403, #"{"message":"This account is prohibited from signing in, please contact your site administrator."}"#)])
        let error = await #expect(throws: GiteaError.self) { try await client(transport).checkCredential(persona: "ops", auth: plain) }
        #expect(error?.isAccountProhibited == true)
        #expect(error?.exitStatus == .noPermission)
        #expect(error?.description.contains("account is disabled or must change its password") == true)
    }

    @Test("a listing of more than 5000 tokens is refused, by its total or by its pages")
    func listCap() async throws {
        let byTotal = ScriptedTransport([.json(200, "[]", headers: [("X-Total-Count", "5001")])])
        let error = await #expect(throws: GiteaError.self) { _ = try await client(byTotal).listTokens(persona: "ops", auth: plain) }
        #expect(error?.description.contains("more than 5000 tokens") == true)

        let page = "[" + (1...50).map { #"{"id":\#($0),"name":"t","token_last_eight":"00000000"}"# }.joined(separator: ",") + "]"
        let endless = ScriptedTransport(Array(repeating: .json(200, page), count: 200))
        await #expect(throws: GiteaError.self) { _ = try await client(endless).listTokens(persona: "ops", auth: plain) }
        #expect(endless.requests.count == 101)
    }

    @Test("finding a run's token by name stops at the page that holds it, however long the list")
    func findStopsEarly() async throws {
        let page = "[" + (["ops-run1"] + (2...50).map { "t\($0)" }).enumerated()
            .map { #"{"id":\#($0.offset + 1),"name":"\#($0.element)","token_last_eight":"00000000"}"# }.joined(separator: ",") + "]"
        let transport = ScriptedTransport([.json(200, page, headers: [("X-Total-Count", "6000")])])
        let found = try await client(transport).findToken(persona: "ops", named: "ops-run1", auth: plain)
        #expect(found?.id == 1)
        #expect(transport.requests.count == 1)
    }

    @Test("an answer over 1 MiB is a malformed answer, not retried")
    func tooLarge() async throws {
        let transport = ScriptedTransport([.fail(TransportFailure(kind: .tooLarge, detail: "1 MiB")), .json(200, "[]")])
        let error = await #expect(throws: GiteaError.self) { try await client(transport).checkCredential(persona: "ops", auth: plain) }
        #expect(error?.description.contains("larger than 1 MiB") == true)
        #expect(transport.requests.count == 1)
    }
}

@Suite("one-time-code steps")
struct OTPStepsTests {
    static func code(_ step: UInt64) throws(GiteaError) -> String {
        do { return try TOTP.code(seed: SecretBytes(utf8: GiteaClientTOTPTests.seed), step: step, entry: "e") } catch {
            throw GiteaError(call: "", server: "", failure: .local("", exit: .config))
        }
    }

    @Test("the current step first, then a later one, then one whose code differs from the last")
    func choice() throws {
        #expect(try OTPSteps.choose(now: 100, last: nil, code: Self.code) == 100)
        #expect(try OTPSteps.choose(now: 100, last: 90, code: Self.code) == 100)
        #expect(try OTPSteps.choose(now: 100, last: 100, code: Self.code) == 101)
        #expect(try OTPSteps.choose(now: 100, last: 101, code: Self.code) == 100)
    }

    @Test("the file ledger keeps the last step across processes' instances, and a held claim makes others wait")
    func fileLedger() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("otp-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = StateDirectory(root: directory)
        let first = try await FileOTPSteps(state: state).claim(persona: "ops", deadline: .now + .seconds(5)) { last throws(GiteaError) in
            #expect(last == nil)
            return 41
        }
        // Held: another claim gives up at its deadline with exit 75.
        let error = await #expect(throws: GiteaError.self) {
            _ = try await FileOTPSteps(state: state).claim(persona: "ops", deadline: .now + .milliseconds(100)) { _ throws(GiteaError) in 1 }
        }
        #expect(error?.exitStatus == .busy)
        first.release()
        let second = try await FileOTPSteps(state: state).claim(persona: "ops", deadline: .now + .seconds(5)) { last throws(GiteaError) in
            #expect(last == 41)
            return 42
        }
        second.release()
        let text = try String(contentsOfFile: directory + "/otp/" + FileOTPSteps.key("ops") + ".step", encoding: .utf8)
        #expect(text == "42\n")
    }
}
