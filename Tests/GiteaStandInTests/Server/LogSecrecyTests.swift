import AsyncHTTPClient
import Foundation
import GiteaStandIn
import NIOCore
import NIOHTTP1
import Testing

/// The stand-in's logs (the request log, the OTP log, the executable's stderr) name methods,
/// paths, users and steps, never a password, seed, code, token or query.
@Suite("The stand-in's logs hold no secrets")
struct LogSecrecyTests {
    static let seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    static func send(_ url: String, _ method: HTTPMethod = .GET, headers: [(String, String)], body: String? = nil) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    static func basic(_ pair: String) -> (String, String) {
        ("Authorization", "Basic " + Data(pair.utf8).base64EncodedString())
    }

    @Test("the executable's stderr logs requests and each code's step and outcome, and no secret")
    func executableLog() async throws {
        let password = "pw-" + UUID().uuidString
        let standIn = try await StandInProcess(["--user", "carol:\(password):\(Self.seed)", "--token-endpoints"])
        let base = standIn.url + "/api/v1"
        var secrets = [password, Self.seed]
        var codes: [String] = []
        do {
            let code = try TOTP.code(seedBase32: Self.seed, at: Date())
            codes.append(code)
            let auth = [Self.basic("carol:\(password)"), ("X-Gitea-OTP", code)]
            let minted = try await Self.mint(base, headers: auth)
            secrets.append(minted)
            #expect(try await Self.send(base + "/users/carol/tokens", headers: auth) == 401)  // the same code again
            #expect(try await Self.send(base + "/user?token=\(minted)", headers: []) == 200)
            #expect(try await Self.send(base + "/user?access_token=\(minted)&sudo=carol", headers: []) == 403)
            #expect(try await Self.send(base + "/user", headers: [Self.basic("carol:\(minted)")]) == 200)
            #expect(try await Self.send(base + "/token", headers: [("Authorization", "token \(minted)")]) == 200)
        } catch {
            _ = try await standIn.stop()
            throw error
        }
        let stderr = try await standIn.stop()
        #expect(stderr.contains("path=/api/v1/users/carol/tokens"))
        #expect(stderr.contains("outcome=accepted") && stderr.contains("outcome=replayed"))
        #expect(stderr.contains("step=\(TOTP.counter(at: Date()))") || stderr.contains("step=\(TOTP.counter(at: Date()) - 1)"))
        for secret in secrets { #expect(!stderr.contains(secret), "a secret of \(secret.count) characters leaked") }
        let numbers = stderr.split(whereSeparator: { !$0.isNumber }).map(String.init)
        for code in codes { #expect(!numbers.contains(code), "the one-time code leaked") }
        #expect(!stderr.contains("?"))
    }

    static func mint(_ base: String, headers: [(String, String)]) async throws -> String {
        var request = HTTPClientRequest(url: base + "/users/carol/tokens")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"name": "log-test", "scopes": ["write:user"]}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        guard response.status.code == 201, let value = object?["sha1"] as? String else {
            throw HarnessError.unexpected("mint answered \(response.status.code)")
        }
        return value
    }

    @Test("in-process: a token in the query or as a Basic password stays out of the request log")
    func requestLog() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("q", scopes: ["write:user"])
            _ = try await standIn.send(.GET, "/api/v1/user?token=\(value)")
            _ = try await standIn.send(.GET, "/api/v1/user?access_token=\(value)")
            _ = try await standIn.mint("child", as: .basic("alice", value))
            let log = await standIn.server.requestLog()
            #expect(log == [
                "POST /api/v1/users/alice/tokens", "GET /api/v1/user", "GET /api/v1/user",
                "POST /api/v1/users/alice/tokens",
            ])
            #expect(!log.joined().contains(value))
        }
    }
}
