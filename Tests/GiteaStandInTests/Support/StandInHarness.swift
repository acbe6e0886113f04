import AsyncHTTPClient
import Foundation
import GiteaStandIn
import NIOCore
import NIOHTTP1
import Synchronization

/// A clock a test can set, so TOTP checks do not depend on when the test runs.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ date: Date) { current = Mutex(date) }

    var now: Date { current.withLock { $0 } }

    func set(_ date: Date) { current.withLock { $0 = date } }
}

/// How a request authenticates.
enum Credentials {
    case basic(String, String)
    case token(String)
    case bearer(String)
    /// Any `Authorization` header, verbatim.
    case raw(String)

    var header: String {
        switch self {
        case .basic(let name, let password): "Basic " + Data("\(name):\(password)".utf8).base64EncodedString()
        case .token(let value): "token \(value)"
        case .bearer(let value): "Bearer \(value)"
        case .raw(let value): value
        }
    }
}

/// An answer as a client sees it.
struct Reply {
    let status: Int
    let headers: HTTPHeaders
    let body: Data

    var json: Any? { try? JSONSerialization.jsonObject(with: body) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    var message: String? { object["message"] as? String }
}

/// A started stand-in and a way to talk to it over real HTTP.
struct StandIn {
    let server: GiteaStandIn
    let baseURL: String

    func send(
        _ method: HTTPMethod, _ path: String, as credentials: Credentials? = nil,
        otp: String? = nil, json: String? = nil, to base: String? = nil, timeout: TimeAmount = .seconds(20),
        headers: [(String, String)] = [], body: (contentType: String?, text: String)? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: (base ?? baseURL) + path)
        request.method = method
        if let credentials { request.headers.add(name: "Authorization", value: credentials.header) }
        if let otp { request.headers.add(name: "X-Gitea-OTP", value: otp) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        if let body {
            if let type = body.contentType { request.headers.add(name: "Content-Type", value: type) }
            request.body = .bytes(ByteBuffer(string: body.text))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 4 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
    }

    /// Mints a token through the API and returns the 201 answer.
    func mint(
        _ name: String, scopes: [String] = ["read:user"], for user: String = "alice",
        as credentials: Credentials = .basic("alice", "alice-pw"), otp: String? = nil, timeout: TimeAmount = .seconds(20)
    ) async throws -> Reply {
        let body = try JSONSerialization.data(withJSONObject: ["name": name, "scopes": scopes])
        return try await send(
            .POST, "/api/v1/users/\(user)/tokens", as: credentials, otp: otp, json: String(decoding: body, as: UTF8.self),
            timeout: timeout
        )
    }

    /// Mints and returns the token value, failing loudly if the server refused.
    func mintValue(_ name: String, scopes: [String] = ["read:user"]) async throws -> String {
        let reply = try await mint(name, scopes: scopes)
        guard reply.status == 201, let value = reply.object["sha1"] as? String else {
            throw HarnessError.unexpected("mint \(name) answered \(reply.status)")
        }
        return value
    }

    func addFault(_ json: String) async throws -> Reply {
        try await send(.POST, "/_standin/faults", json: json)
    }
}

enum HarnessError: Error {
    case unexpected(String)
}

let alice = StandInUser(name: "alice", password: "alice-pw")
let bob = StandInUser(name: "bob", password: "bob-pw")
let root = StandInUser(name: "root", password: "root-pw", isAdmin: true)
/// The RFC 6238 test seed, "12345678901234567890", in base32.
let rfcSeed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

/// Starts a stand-in on 127.0.0.1, port 0, runs `body`, and always stops it.
func withStandIn<T>(
    users: [StandInUser] = [alice, bob, root],
    tokenSelfEndpoints: Bool = false,
    tokenTimestamps: Bool = true,
    singleUseOTP: Bool = true,
    clock: TestClock? = nil,
    host: String = "127.0.0.1",
    _ body: (StandIn) async throws -> T
) async throws -> T {
    let now: @Sendable () -> Date
    if let clock {
        now = { clock.now }
    } else {
        now = { Date() }
    }
    let server = GiteaStandIn(
        users: users, tokenSelfEndpoints: tokenSelfEndpoints, tokenTimestamps: tokenTimestamps,
        singleUseOTP: singleUseOTP, now: now)
    let url = try await server.start(host: host, port: 0)
    do {
        let result = try await body(StandIn(server: server, baseURL: url))
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
