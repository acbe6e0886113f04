import Foundation
import Testing
@testable import RekeyCore

/// A scripted transport: answers (or failures) in order, and every request it saw.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    enum Reply { case answer(HTTPAnswer), fail(TransportFailure) }
    private let lock = NSLock()
    private var replies: [Reply]
    private(set) var requests: [HTTPExchange] = []

    init(_ replies: [Reply]) { self.replies = replies }

    func send(_ exchange: HTTPExchange, timeout: Duration) async throws(TransportFailure) -> HTTPAnswer {
        let reply: Reply = lock.withLock {
            requests.append(exchange)
            return replies.isEmpty ? .answer(HTTPAnswer(status: 599)) : replies.removeFirst()
        }
        switch reply {
        case .answer(let answer): return answer
        case .fail(let failure): throw failure
        }
    }

    func shutdown() async {}

}

extension ScriptedTransport.Reply {
    static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Self {
        .answer(HTTPAnswer(status: status, headers: headers, body: Array(text.utf8)))
    }
}

final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var delays: [Duration] = []
    func record(_ delay: Duration) { lock.withLock { delays.append(delay) } }
}

@Suite("GiteaClient over a scripted transport")
struct GiteaClientTests {
    static let password = "s3cret-password-for-tests"
    static let token = String(repeating: "ab", count: 20)
    var credential: BasicCredential { BasicCredential(username: "ops", password: SecretBytes(utf8: Self.password)) }

    func client(_ transport: ScriptedTransport, sleeps: SleepRecorder = SleepRecorder()) -> GiteaClient {
        GiteaClient(baseURL: "http://gitea.test/", transport: transport,
                    retry: RetryPolicy(attempts: 3, baseDelay: .milliseconds(100), maxDelay: .milliseconds(150)) { sleeps.record($0) },
                    otpSteps: InMemoryOTPSteps())
    }

    @Test("GET /user is retried on 5xx with capped, jittered backoff, then succeeds")
    func retriesTransient() async throws {
        let transport = ScriptedTransport([.json(502, #"{"message":"bad gateway"}"#), .json(503, "{}"), .json(200, #"{"login":"ops"}"#)])
        let sleeps = SleepRecorder()
        let login = try await client(transport, sleeps: sleeps).login(of: SecretBytes(utf8: Self.token))
        #expect(login == "ops")
        #expect(transport.requests.count == 3)
        #expect(sleeps.delays.count == 2)
        // First delay: jitter over 100 ms; second: 200 ms capped at 150 ms.
        #expect(sleeps.delays[0] >= .milliseconds(50) && sleeps.delays[0] <= .milliseconds(100))
        #expect(sleeps.delays[1] >= .milliseconds(75) && sleeps.delays[1] <= .milliseconds(150))
        #expect(transport.requests[0].headers.contains { $0 == ("Authorization", "token " + Self.token) })
    }

    @Test("a 4xx is final: no retry, and the status decides the exit code")
    func clientErrorsAreFinal() async throws {
        let transport = ScriptedTransport([.json(401, #"{"message":"invalid username, password or token"}"#)])
        let error = await #expect(throws: GiteaError.self) {
            _ = try await client(transport).login(of: SecretBytes(utf8: Self.token))
        }
        #expect(transport.requests.count == 1)
        #expect(error?.exitStatus == .noPermission)
        #expect(error?.description.contains("401") == true)
    }

    @Test("a mint is never retried, even on 5xx: it may have been committed")
    func mintNotRetried() async throws {
        let transport = ScriptedTransport([.json(502, "{}"), .json(201, "{}")])
        let error = await #expect(throws: GiteaError.self) {
            _ = try await client(transport).mintToken(persona: "ops", name: "n", scopes: ["read:user"], auth: credential)
        }
        #expect(transport.requests.count == 1)
        #expect(error?.exitStatus == .unavailable)
    }

    @Test("a refused connection is reported as unreachable at once, without another round of retries")
    func connectFailureNotRetried() async throws {
        let transport = ScriptedTransport([.fail(TransportFailure(kind: .connect, detail: "refused")), .json(200, #"{"version":"1"}"#)])
        let error = await #expect(throws: GiteaError.self) { _ = try await client(transport).version() }
        #expect(transport.requests.count == 1)
        #expect(error?.description.contains("unreachable") == true)
    }

    @Test("mint sends Basic auth and the JSON body, and returns the value only inside SecretBytes")
    func mintRequest() async throws {
        let transport = ScriptedTransport([.json(201, #"{"id":7,"name":"n","sha1":"\#(Self.token)","token_last_eight":"abababab","scopes":["read:user"]}"#)])
        let minted = try await client(transport).mintToken(persona: "ops", name: "n", scopes: ["read:user"], auth: credential)
        #expect(minted.info == TokenInfo(id: 7, name: "n", lastEight: "abababab", scopes: ["read:user"]))
        #expect(minted.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } == Self.token)
        #expect(!String(describing: minted).contains(Self.token))
        let request = try #require(transport.requests.first)
        #expect(request.url == "http://gitea.test/api/v1/users/ops/tokens")
        let expected = "Basic " + Data("ops:\(Self.password)".utf8).base64EncodedString()
        #expect(request.headers.contains { $0 == ("Authorization", expected) })
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body ?? [])) as? [String: Any])
        #expect(body["name"] as? String == "n")
        #expect(body["scopes"] as? [String] == ["read:user"])
    }

    @Test("a mint answer whose value is not 40 lowercase hex is refused as malformed")
    func malformedToken() async throws {
        let transport = ScriptedTransport([.json(201, #"{"id":7,"name":"n","sha1":"NOT-A-TOKEN","token_last_eight":"x"}"#)])
        let error = await #expect(throws: GiteaError.self) {
            _ = try await client(transport).mintToken(persona: "ops", name: "n", scopes: ["read:user"], auth: credential)
        }
        #expect(error?.description.contains("40 lowercase hex") == true)
        #expect(error?.description.contains("NOT-A-TOKEN") == false)
    }

    @Test("listing follows pages until a short page")
    func listsAllPages() async throws {
        let page1 = "[" + (1...50).map { #"{"id":\#($0),"name":"t\#($0)","sha1":"","token_last_eight":"0000000\#($0 % 10)"}"# }.joined(separator: ",") + "]"
        let page2 = #"[{"id":51,"name":"t51","sha1":"","token_last_eight":"11111111"}]"#
        let transport = ScriptedTransport([.json(200, page1, headers: [("X-Total-Count", "51")]), .json(200, page2, headers: [("X-Total-Count", "51")])])
        let tokens = try await client(transport).listTokens(persona: "ops", auth: credential)
        #expect(tokens.count == 51)
        #expect(tokens.last?.name == "t51")
        #expect(transport.requests.map { $0.url } == [
            "http://gitea.test/api/v1/users/ops/tokens?page=1&limit=50",
            "http://gitea.test/api/v1/users/ops/tokens?page=2&limit=50",
        ])
    }

    @Test("a delete whose answer was lost is retried, and a 404 then means it was deleted")
    func deleteAfterLostAnswer() async throws {
        let transport = ScriptedTransport([.fail(TransportFailure(kind: .connectionLost, detail: "closed")), .json(404, #"{"message":"not found"}"#)])
        try await client(transport).deleteToken(persona: "ops", id: 9, auth: credential)
        #expect(transport.requests.count == 2)
        #expect(transport.requests.allSatisfy { $0.method == "DELETE" && $0.url.hasSuffix("/users/ops/tokens/9") })
    }

    @Test("a TOTP seed adds a current X-Gitea-OTP code to Basic-auth calls")
    func otpHeader() async throws {
        let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  // base32 of "12345678901234567890"
        let transport = ScriptedTransport([.json(200, "[]")])
        var client = client(transport)
        client.clock = { Date(timeIntervalSince1970: 59) }
        let withSeed = BasicCredential(username: "ops", password: SecretBytes(utf8: Self.password), totpSeed: SecretBytes(utf8: seed))
        _ = try await client.listTokens(persona: "ops", auth: withSeed)
        #expect(transport.requests.first?.headers.contains { $0 == ("X-Gitea-OTP", "287082") } == true)
    }

    @Test("error descriptions carry the server's message but never the password or the token")
    func errorsCarryNoSecrets() async throws {
        let transport = ScriptedTransport([.json(403, #"{"message":"doer should be the site admin or be same as the contextUser"}"#)])
        let error = await #expect(throws: GiteaError.self) {
            _ = try await client(transport).mintToken(persona: "ops", name: "n", scopes: ["read:user"], auth: credential)
        }
        let text = [error?.description ?? "", String(reflecting: error as Any)].joined()
        #expect(text.contains("doer should be the site admin"))
        #expect(!text.contains(Self.password))
    }
}
