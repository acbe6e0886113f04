import Foundation

/// The live Gitea client over `HTTPTransport`, implementing the calls of ../shared/gitea-api.md.
///
/// - One deadline (`requestTimeout`, `--timeout`) covers each whole exchange, body included,
///   and the wait for the persona's one-time-code lock before it.
/// - Idempotent calls (version, list, user, delete) are retried on transient failures (a lost
///   answer, a timeout, 5xx, 429) with the `retry` policy; a mint is never retried on them, because
///   a mint that may have reached the server must be looked up by name, never repeated blindly.
/// - Basic auth is built from the vault credential for each attempt; the header string is the only
///   place the password exists outside `SecretBytes`, for the duration of the call. For a TOTP
///   persona each attempt claims a fresh step from `otpSteps`, so no code is sent twice in a row,
///   and a 401 is retried once with another valid step's code (another host may have just used ours).
/// - Every answer is validated before use: a minted token's value, name and last eight; caps of
///   1 MiB per body (in the transport) and 5000 tokens per listing. Every string handed back from
///   the server (logins, names, messages, the version) has its control and bidi characters escaped.
public struct GiteaClient: GiteaAPI {
    public let baseURL: String
    public let transport: any HTTPTransport
    public var requestTimeout: Duration
    public var retry: RetryPolicy
    public var clock: @Sendable () -> Date
    public var otpSteps: any OTPStepLedger

    /// Most tokens a listing reads; more is refused rather than paged through for ever.
    public static let maxListedTokens = 5000
    static let pageSize = 50

    public init(baseURL: String, transport: any HTTPTransport, requestTimeout: Duration = .seconds(20),
                retry: RetryPolicy = RetryPolicy(), clock: @escaping @Sendable () -> Date = { Date() },
                otpSteps: any OTPStepLedger = InMemoryOTPSteps.shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.clock = clock
        self.otpSteps = otpSteps
    }

    /// How long a Basic-auth call (a mint) may stay inside the server after it was sent: one
    /// exchange, plus one retry with another one-time code after a 401 (`basicExchange`). Recover
    /// waits this long after a journaled mint before "no token by that name" means anything.
    public var exchangeDeadline: Duration { requestTimeout * 2 }

    public func version() async throws(GiteaError) -> String {
        let call = "GET /api/v1/version"
        let answer = try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
            try await send(call, HTTPExchange(method: "GET", url: url("/version")), expect: 200, deadline: ContinuousClock.now + requestTimeout)
        }
        struct Version: Decodable { var version: String }
        return PrintableText.escaped(try decode(Version.self, from: answer, call: call).version)
    }

    public func mintToken(persona: String, name: String, scopes: [String], auth: BasicCredential) async throws(GiteaError) -> MintedToken {
        let call = "POST /api/v1/users/\(persona)/tokens"
        struct Body: Encodable { var name: String; var scopes: [String] }
        let body = (try? JSONEncoder().encode(Body(name: name, scopes: scopes))).map { Array($0) } ?? []
        // Never retried on a lost answer: a mint that may have reached the server is looked up by
        // name instead. A 401 (the server minted nothing) is retried once with another code.
        let answer = try await basicExchange(call, method: "POST", path: "/users/\(escape(persona))/tokens", body: body,
                                             auth: auth, expect: 201)
        struct Created: Decodable {
            var id: Int; var name: String; var sha1: String; var token_last_eight: String; var scopes: [String]?
        }
        let created = try decode(Created.self, from: answer, call: call)
        if let problem = Self.problem(sha1: created.sha1, name: created.name, lastEight: created.token_last_eight, requested: name) {
            throw await refuseMinted(call: call, problem: problem, id: created.id, persona: persona, auth: auth)
        }
        // Validated equal to the local values above: the name requested and the value's own tail.
        let info = TokenInfo(id: created.id, name: name, lastEight: String(created.sha1.suffix(8)),
                             scopes: (created.scopes ?? scopes).map(PrintableText.escaped))
        return MintedToken(info: info, value: SecretBytes(utf8: created.sha1))
    }

    /// What is wrong with a mint answer, or nil when it is what was asked for.
    static func problem(sha1: String, name: String, lastEight: String, requested: String) -> String? {
        let hex = sha1.utf8.count == 40 && sha1.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        guard hex else { return "the token value is not 40 lowercase hex characters" }
        guard name == requested else {
            return "the token was minted as '\(PrintableText.escaped(String(name.prefix(100))))', not the requested '\(requested)'"
        }
        guard lastEight == String(sha1.suffix(8)) else {
            return "token_last_eight '\(PrintableText.escaped(String(lastEight.prefix(40))))' is not the last eight characters of the token"
        }
        return nil
    }

    /// A minted token whose answer cannot be trusted is deleted by id at once, and the mint fails.
    private func refuseMinted(call: String, problem: String, id: Int, persona: String, auth: BasicCredential) async -> GiteaError {
        let deletion = await Result.capturing { () async throws(GiteaError) in
            try await deleteToken(persona: persona, id: id, auth: auth)
        }
        let outcome = switch deletion {
        case .success: "; rekey deleted that token (id \(id))"
        case .failure(let error) where error.status == 404: "; no token with id \(id) exists"
        case .failure(let error): "; deleting it (id \(id)) failed too (\(error.description)); delete it in gitea's settings"
        }
        return GiteaError(call: call, server: baseURL, failure: .malformed(problem + outcome))
    }

    public func listTokens(persona: String, auth: BasicCredential) async throws(GiteaError) -> [TokenInfo] {
        try await pages(persona: persona, auth: auth) { _ in false }
    }

    public func findToken(persona: String, named name: String, auth: BasicCredential) async throws(GiteaError) -> TokenInfo? {
        try await pages(persona: persona, auth: auth) { batch in batch.contains { $0.name == name } }.first { $0.name == name }
    }

    /// Reads the listing page by page until `done` says a page is enough, the pages end, or the cap
    /// of `maxListedTokens` is passed (an error, not a silent truncation).
    private func pages(persona: String, auth: BasicCredential, done: ([TokenInfo]) -> Bool) async throws(GiteaError) -> [TokenInfo] {
        let call = "GET /api/v1/users/\(persona)/tokens"
        struct Listed: Decodable {
            var id: Int; var name: String; var token_last_eight: String?; var scopes: [String]?
            var created_at: String?; var last_used_at: String?
        }
        let tooMany = GiteaError(call: call, server: baseURL, failure: .malformed(
            "\(persona) has more than \(Self.maxListedTokens) tokens, more than rekey reads; delete unused tokens in gitea"))
        var all: [TokenInfo] = []
        var page = 1
        while true {
            let path = "/users/\(escape(persona))/tokens?page=\(page)&limit=\(Self.pageSize)"
            let answer = try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
                try await basicExchange(call, method: "GET", path: path, auth: auth, expect: 200)
            }
            let total = answer.header("X-Total-Count").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let listed = try decode([Listed].self, from: answer, call: call)
            let batch = listed.map {
                TokenInfo(id: $0.id, name: PrintableText.escaped($0.name), lastEight: PrintableText.escaped($0.token_last_eight ?? ""),
                          scopes: ($0.scopes ?? []).map(PrintableText.escaped),
                          createdAt: Self.timestamp($0.created_at), lastUsedAt: Self.timestamp($0.last_used_at))
            }
            all += batch
            if done(batch) { break }
            if all.count > Self.maxListedTokens || (total ?? 0) > Self.maxListedTokens { throw tooMany }
            if batch.count < Self.pageSize || (total.map { all.count >= $0 } ?? false) { break }
            page += 1
        }
        return all
    }

    public func deleteToken(persona: String, id: Int, auth: BasicCredential) async throws(GiteaError) {
        let call = "DELETE /api/v1/users/\(persona)/tokens/\(id)"
        var attempt = 0
        _ = try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
            attempt += 1
            do throws(GiteaError) {
                return try await basicExchange(call, method: "DELETE", path: "/users/\(escape(persona))/tokens/\(id)", auth: auth, expect: 204)
            } catch {
                // An earlier attempt's answer was lost after the server deleted the token.
                if attempt > 1 && error.status == 404 { return HTTPAnswer(status: 204) }
                throw error
            }
        }
    }

    public func checkCredential(persona: String, auth: BasicCredential) async throws(GiteaError) {
        let call = "GET /api/v1/users/\(persona)/tokens"
        _ = try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
            try await basicExchange(call, method: "GET", path: "/users/\(escape(persona))/tokens?limit=1", auth: auth, expect: 200)
        }
    }

    public func login(of token: SecretBytes) async throws(GiteaError) -> String {
        let call = "GET /api/v1/user"
        let answer = try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
            try await send(call, HTTPExchange(method: "GET", url: url("/user"), headers: [tokenHeader(token)]),
                           expect: 200, deadline: ContinuousClock.now + requestTimeout)
        }
        struct User: Decodable { var login: String }
        // Escaped: a login with a control character can then never equal an expected login (a
        // playbook name), and prints safely when it does not.
        return PrintableText.escaped(try decode(User.self, from: answer, call: call).login)
    }

    /// `DELETE /api/v1/token`: detected, not assumed from the version. Only 204 counts; 404 or 405
    /// (an older server without the route) and every other answer leave the caller to delete by id.
    public func deleteOwnToken(_ token: SecretBytes) async throws(GiteaError) -> Bool {
        let call = "DELETE /api/v1/token"
        let result = await Result.capturing { () async throws(GiteaError) in
            try await send(call, HTTPExchange(method: "DELETE", url: url("/token"), headers: [tokenHeader(token)]),
                           expect: 204, deadline: ContinuousClock.now + requestTimeout)
        }
        if case .success = result { return true }
        return false
    }

    /// `GET /api/v1/token`: detected, not assumed. 404 or 405 (a server without the route) is nil;
    /// 401 and 403 are errors as on `/user` (a revoked token, a disabled account).
    public func currentToken(_ token: SecretBytes) async throws(GiteaError) -> SelfToken? {
        let call = "GET /api/v1/token"
        let result = await Result.capturing { () async throws(GiteaError) in
            try await retry.run(shouldRetry: \.isTransient) { () async throws(GiteaError) in
                try await send(call, HTTPExchange(method: "GET", url: url("/token"), headers: [tokenHeader(token)]),
                               expect: 200, deadline: ContinuousClock.now + requestTimeout)
            }
        }
        let answer: HTTPAnswer
        switch result {
        case .success(let got): answer = got
        case .failure(let error) where error.status == 404 || error.status == 405: return nil
        case .failure(let error): throw error
        }
        struct Owner: Decodable { var id: Int?; var login: String }
        struct Answer: Decodable {
            var id: Int; var name: String; var scopes: [String]?
            var created_at: String?; var last_used_at: String?; var user: Owner
        }
        let parsed = try decode(Answer.self, from: answer, call: call)
        let lastEight = token.withUnsafeBytes { String(decoding: $0.suffix(8), as: UTF8.self) }
        let info = TokenInfo(id: parsed.id, name: PrintableText.escaped(parsed.name), lastEight: lastEight,
                             scopes: (parsed.scopes ?? []).map(PrintableText.escaped),
                             createdAt: Self.timestamp(parsed.created_at), lastUsedAt: Self.timestamp(parsed.last_used_at))
        return SelfToken(info: info, login: PrintableText.escaped(parsed.user.login))
    }

    /// An RFC 3339 time as Gitea writes it (`2024-05-01T10:00:00+02:00`, with or without fractional
    /// seconds); nil when absent or not such a time (a value rekey cannot read is no usage data).
    static func timestamp(_ text: String?) -> Date? {
        guard let text, !text.isEmpty, text.utf8.count <= 64 else { return nil }
        return UTCFormat.parseRFC3339(text)
    }

    // MARK: - Plumbing

    private func url(_ path: String) -> String { baseURL + "/api/v1" + path }

    private func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    private func tokenHeader(_ token: SecretBytes) -> (String, String) {
        ("Authorization", token.withUnsafeBytes { "token " + String(decoding: $0, as: UTF8.self) })
    }

    /// One Basic-auth exchange. Each attempt builds its headers afresh and, for a TOTP persona,
    /// claims a step (held until the answer is in, so concurrent processes take turns); a 401 on a
    /// TOTP persona is retried once, with another valid step's code.
    private func basicExchange(_ call: String, method: String, path: String, body: [UInt8]? = nil,
                               auth: BasicCredential, expect: Int) async throws(GiteaError) -> HTTPAnswer {
        var retriedCode = false
        while true {
            let deadline = ContinuousClock.now + requestTimeout
            var (headers, claim) = try await basicHeaders(auth, call: call, deadline: deadline)
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let exchange = HTTPExchange(method: method, url: url(path), headers: headers, body: body)
            let result = await Result.capturing { () async throws(GiteaError) in
                try await send(call, exchange, expect: expect, deadline: deadline)
            }
            claim?.release()
            switch result {
            case .success(let answer):
                return answer
            case .failure(let error) where error.status == 401 && claim != nil && !retriedCode:
                retriedCode = true
            case .failure(let error):
                throw error
            }
        }
    }

    private func basicHeaders(_ auth: BasicCredential, call: String, deadline: ContinuousClock.Instant) async throws(GiteaError) -> ([(String, String)], OTPClaim?) {
        var raw = Array(auth.username.utf8) + [UInt8(ascii: ":")]
        auth.password.withUnsafeBytes { raw.append(contentsOf: $0) }
        let encoded = Data(raw).base64EncodedString()
        for index in raw.indices { raw[index] = 0 }
        let headers = [("Authorization", "Basic " + encoded)]
        guard let seed = auth.totpSeed else { return (headers, nil) }
        let server = baseURL
        func code(_ step: UInt64) throws(GiteaError) -> String {
            do throws(TOTP.InvalidSeed) {
                return try TOTP.code(seed: seed, step: step, entry: auth.username)
            } catch {
                throw GiteaError(call: call, server: server, failure: .local(error.description, exit: error.exitStatus))
            }
        }
        let now = TOTP.step(at: clock())
        let claim = try await otpSteps.claim(persona: auth.username, deadline: deadline) { last throws(GiteaError) in
            try OTPSteps.choose(now: now, last: last, code: code)
        }
        do throws(GiteaError) {
            return (headers + [("X-Gitea-OTP", try code(claim.step))], claim)
        } catch {
            claim.release()
            throw error
        }
    }

    private func send(_ call: String, _ exchange: HTTPExchange, expect: Int, deadline: ContinuousClock.Instant) async throws(GiteaError) -> HTTPAnswer {
        let answer: HTTPAnswer
        do {
            answer = try await transport.send(exchange, timeout: max(.milliseconds(1), ContinuousClock.now.duration(to: deadline)))
        } catch {
            if error.kind == .tooLarge {
                throw GiteaError(call: call, server: baseURL, failure: .malformed(error.description))
            }
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

    /// Gitea's error `message`, on one line, escaped, at most 200 characters. Never the raw body.
    static func message(in body: [UInt8]) -> String {
        struct ErrorBody: Decodable { var message: String? }
        guard let parsed = try? JSONDecoder().decode(ErrorBody.self, from: Data(body)), let message = parsed.message else {
            return ""
        }
        let oneLine = PrintableText.escaped(message.split(whereSeparator: \.isNewline).joined(separator: " "))
        return oneLine.count > 200 ? String(oneLine.prefix(200)) + "…" : oneLine
    }
}
