import Foundation

/// The live Gitea client over `HTTPTransport`, implementing the calls of ../shared/gitea-api.md.
///
/// - Every call has a timeout (`requestTimeout`).
/// - Idempotent calls (version, list, user, delete) are retried on transient failures (a lost
///   answer, a timeout, 5xx, 429) with the `retry` policy; a mint is never retried, because a mint
///   that may have reached the server must be looked up by name, never repeated blindly.
/// - Basic auth is built from the vault credential for each call; the header string is the only
///   place the password exists outside `SecretBytes`, for the duration of the call.
public struct GiteaClient: GiteaAPI {
    public let baseURL: String
    public let transport: any HTTPTransport
    public var requestTimeout: Duration
    public var retry: RetryPolicy
    public var clock: @Sendable () -> Date

    public init(baseURL: String, transport: any HTTPTransport, requestTimeout: Duration = .seconds(20),
                retry: RetryPolicy = RetryPolicy(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.clock = clock
    }

    public func version() async throws(GiteaError) -> String {
        let call = "GET /api/v1/version"
        let answer = try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
            try await send(call, HTTPExchange(method: "GET", url: url("/version")), expect: 200)
        }
        struct Version: Decodable { var version: String }
        return try decode(Version.self, from: answer, call: call).version
    }

    public func mintToken(persona: String, name: String, scopes: [String], auth: BasicCredential) async throws(GiteaError) -> MintedToken {
        let call = "POST /api/v1/users/\(persona)/tokens"
        struct Body: Encodable { var name: String; var scopes: [String] }
        let body = (try? JSONEncoder().encode(Body(name: name, scopes: scopes))).map { Array($0) } ?? []
        let exchange = HTTPExchange(method: "POST", url: url("/users/\(escape(persona))/tokens"),
                                    headers: basicHeaders(auth) + [("Content-Type", "application/json")], body: body)
        // Never retried: a mint that may have reached the server is looked up by name instead, and
        // one that never connected was already retried by async-http-client until its connect timeout.
        let answer = try await send(call, exchange, expect: 201)
        struct Created: Decodable {
            var id: Int; var name: String; var sha1: String; var token_last_eight: String; var scopes: [String]?
        }
        let created = try decode(Created.self, from: answer, call: call)
        guard created.sha1.utf8.count == 40, created.sha1.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw GiteaError(call: call, server: baseURL, failure: .malformed("the token value is not 40 lowercase hex characters"))
        }
        let info = TokenInfo(id: created.id, name: created.name, lastEight: created.token_last_eight, scopes: created.scopes ?? scopes)
        return MintedToken(info: info, value: SecretBytes(utf8: created.sha1))
    }

    public func listTokens(persona: String, auth: BasicCredential) async throws(GiteaError) -> [TokenInfo] {
        let call = "GET /api/v1/users/\(persona)/tokens"
        struct Listed: Decodable { var id: Int; var name: String; var token_last_eight: String?; var scopes: [String]? }
        var all: [TokenInfo] = []
        let limit = 50
        var page = 1
        while true {
            let exchange = HTTPExchange(method: "GET", url: url("/users/\(escape(persona))/tokens?page=\(page)&limit=\(limit)"),
                                        headers: basicHeaders(auth))
            let answer = try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
                try await send(call, exchange, expect: 200)
            }
            let batch = try decode([Listed].self, from: answer, call: call)
            all += batch.map { TokenInfo(id: $0.id, name: $0.name, lastEight: $0.token_last_eight ?? "", scopes: $0.scopes ?? []) }
            let total = answer.header("X-Total-Count").flatMap(Int.init)
            if batch.count < limit || (total.map { all.count >= $0 } ?? false) || page >= 1000 { break }
            page += 1
        }
        return all
    }

    public func deleteToken(persona: String, id: Int, auth: BasicCredential) async throws(GiteaError) {
        let call = "DELETE /api/v1/users/\(persona)/tokens/\(id)"
        let exchange = HTTPExchange(method: "DELETE", url: url("/users/\(escape(persona))/tokens/\(id)"), headers: basicHeaders(auth))
        var attempt = 0
        _ = try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
            attempt += 1
            do throws(GiteaError) {
                return try await send(call, exchange, expect: 204)
            } catch {
                // An earlier attempt's answer was lost after the server deleted the token.
                if attempt > 1 && error.status == 404 { return HTTPAnswer(status: 204) }
                throw error
            }
        }
    }

    public func checkCredential(persona: String, auth: BasicCredential) async throws(GiteaError) {
        let call = "GET /api/v1/users/\(persona)/tokens"
        let exchange = HTTPExchange(method: "GET", url: url("/users/\(escape(persona))/tokens?limit=1"), headers: basicHeaders(auth))
        _ = try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
            try await send(call, exchange, expect: 200)
        }
    }

    public func login(of token: SecretBytes) async throws(GiteaError) -> String {
        let call = "GET /api/v1/user"
        let header = token.withUnsafeBytes { "token " + String(decoding: $0, as: UTF8.self) }
        let exchange = HTTPExchange(method: "GET", url: url("/user"), headers: [("Authorization", header)])
        let answer = try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
            try await send(call, exchange, expect: 200)
        }
        struct User: Decodable { var login: String }
        return try decode(User.self, from: answer, call: call).login
    }

    // MARK: - Plumbing

    private func url(_ path: String) -> String { baseURL + "/api/v1" + path }

    private func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    private func basicHeaders(_ auth: BasicCredential) -> [(String, String)] {
        var raw = Array(auth.username.utf8) + [UInt8(ascii: ":")]
        auth.password.withUnsafeBytes { raw.append(contentsOf: $0) }
        let encoded = Data(raw).base64EncodedString()
        for index in raw.indices { raw[index] = 0 }
        var headers = [("Authorization", "Basic " + encoded)]
        if let seed = auth.totpSeed {
            headers.append(("X-Gitea-OTP", TOTP.code(seed: seed, at: clock())))
        }
        return headers
    }

    private func send(_ call: String, _ exchange: HTTPExchange, expect: Int) async throws(GiteaError) -> HTTPAnswer {
        let answer: HTTPAnswer
        do {
            answer = try await transport.send(exchange, timeout: requestTimeout)
        } catch {
            throw GiteaError(call: call, server: baseURL, failure: .transport(error.description, mayHaveReachedServer: error.mayHaveReachedServer))
        }
        guard answer.status == expect else {
            throw GiteaError(call: call, server: baseURL, failure: .status(answer.status, message: Self.message(in: answer.body)))
        }
        return answer
    }

    private func decode<T: Decodable>(_ type: T.Type, from answer: HTTPAnswer, call: String) throws(GiteaError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(answer.body))
        } catch {
            throw GiteaError(call: call, server: baseURL, failure: .malformed("the body is not the documented JSON"))
        }
    }

    /// Gitea's error `message`, shortened to one line. Never the raw body.
    static func message(in body: [UInt8]) -> String {
        struct ErrorBody: Decodable { var message: String? }
        guard let parsed = try? JSONDecoder().decode(ErrorBody.self, from: Data(body)), let message = parsed.message else {
            return ""
        }
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        return oneLine.count > 200 ? String(oneLine.prefix(200)) + "…" : oneLine
    }
}
