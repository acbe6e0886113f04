import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// The reload step through the real binary, the stand-in and real commands: shell scripts that
/// record every call (argv, environment, a copy of the env file as they saw it), and a `systemctl`
/// stub first on PATH.
@Suite("rekey run with reload:, end to end")
struct ReloadEndToEndTests {
    /// One call of a recording script.
    struct Call {
        var arguments: String
        var environment: [String: String]
        /// The env file's bytes when the command ran.
        var saw: [UInt8]
    }

    /// A script that records each call under `<dir>/calls/<n>` and exits with `codes[n-1]` (the last
    /// code for later calls); a code of -1 sleeps 600 s in a child first, recording its pid.
    static func recorder(_ host: EndToEndHost, name: String, codes: [Int]) throws -> String {
        let calls = host.directory.file("calls")
        try FileManager.default.createDirectory(atPath: calls, withIntermediateDirectories: true)
        let cases = codes.enumerated().map { "\($0.offset + 1)) code=\($0.element) ;;" }.joined(separator: " ")
        let path = host.directory.file(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try host.directory.write(name, """
        #!/bin/sh
        dir=\(calls)
        n=$(($(ls "$dir" | grep -c '^call') + 1))
        mkdir "$dir/call.$n"
        printf '%s' "$*" > "$dir/call.$n/args"
        /usr/bin/env -0 > "$dir/call.$n/env"
        cp \(host.envPath) "$dir/call.$n/saw"
        code=\(codes.last ?? 0)
        case $n in \(cases) esac
        if [ "$code" = -1 ]; then
            sleep 600 &
            echo $! > "$dir/call.$n/sleeper"
            wait
            exit 0
        fi
        exit $code
        """, mode: 0o755)
        return path
    }

    static func calls(_ host: EndToEndHost) throws -> [Call] {
        let dir = host.directory.file("calls")
        let count = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("call.") }.count
        return try (1...max(count, 1)).prefix(count).map { n in
            let env = try host.directory.bytes("calls/call.\(n)/env").split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            var environment: [String: String] = [:]
            for entry in env {
                let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                environment[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            return Call(arguments: String(decoding: try host.directory.bytes("calls/call.\(n)/args"), as: UTF8.self),
                        environment: environment, saw: try host.directory.bytes("calls/call.\(n)/saw"))
        }
    }

    static func token(in bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("GITEA_TOKEN=") }
            .map { String($0.dropFirst("GITEA_TOKEN=".count)) } ?? ""
    }

    /// The environment a command must see: exactly the four REKEY_ variables and PATH (plus what
    /// /bin/sh itself adds), no token anywhere in it or in the arguments.
    static func expectCleanEnvironment(_ call: Call, host: EndToEndHost, tokens: [String]) {
        let shellAdded: Set<String> = ["PWD", "SHLVL", "_", "OLDPWD"]
        let names = Set(call.environment.keys).subtracting(shellAdded)
        #expect(names == ["PATH", "REKEY_CONSUMER", "REKEY_RUN", "REKEY_TOKEN_NAME", "REKEY_TOKEN_LAST8"], "environment: \(call.environment.keys.sorted())")
        #expect(call.environment["PATH"] == ConsumerCommand.childPath)
        #expect(call.environment["REKEY_CONSUMER"] == host.consumer)
        for token in tokens where !token.isEmpty {
            #expect(!call.environment.values.contains { $0.contains(token) }, "a token is in the command's environment")
            #expect(!call.arguments.contains(token), "a token is in the command's argv")
        }
    }

    @Test("reload and verify succeed: exit 0, both saw the new file, identifiers only in their environment")
    func reloadAndVerify() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let reload = try Self.recorder(host, name: "app-reload", codes: [0])
            try host.writePlaybook(extra: "reload: {command: [\(reload), --graceful], timeout: 2m, verify: {command: [\(reload), verify]}}")
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
            let newToken = host.currentToken
            #expect(newToken != host.oldToken && newToken.count == 40)

            let calls = try Self.calls(host)
            #expect(calls.map(\.arguments) == ["--graceful", "verify"])
            for call in calls {
                #expect(call.saw == host.envBytes, "the command ran before the new file was in place")
                Self.expectCleanEnvironment(call, host: host, tokens: [newToken, host.oldToken, host.password])
                #expect(call.environment["REKEY_TOKEN_LAST8"] == String(newToken.suffix(8)))
                #expect(call.environment["REKEY_TOKEN_NAME"]?.hasPrefix("\(host.persona)-") == true)
            }
            #expect(result.stdout.contains("✓ reload"), "stdout: \(result.stdout)")
            #expect(await host.serverTokens().count == 2)
            #expect(try host.leaks(of: [newToken, host.oldToken, host.password]) == [])
        }
    }

    @Test("verify fails: exit 83, file byte-identical, consumer reloaded again with the old bytes, new token deleted")
    func verifyFails() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            let reload = try Self.recorder(host, name: "app-reload", codes: [0, 1, 0])
            try host.writePlaybook(extra: "reload: {command: [\(reload)], verify: {command: [\(reload), verify]}}")
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 83, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(host.envBytes == before)

            let calls = try Self.calls(host)
            try #require(calls.count == 3, "calls: \(calls.map(\.arguments))")
            #expect(calls.map(\.arguments) == ["", "verify", ""])
            let newToken = Self.token(in: calls[0].saw)
            #expect(newToken.count == 40 && newToken != host.oldToken)
            #expect(calls[1].saw == calls[0].saw)
            #expect(calls[2].saw == before, "the second reload did not see the restored bytes")
            #expect(calls[2].environment["REKEY_TOKEN_LAST8"] == String(host.oldToken.suffix(8)))
            for call in calls { Self.expectCleanEnvironment(call, host: host, tokens: [newToken, host.oldToken, host.password]) }

            let server = await host.serverTokens()
            #expect(server.map(\.lastEight) == [String(host.oldToken.suffix(8))], "the new token is still on the server")
            #expect(result.stdout.contains("verify failed") && result.stdout.contains("exited with status 1"), "stdout: \(result.stdout)")
            #expect(try host.leaks(of: [newToken, host.oldToken, host.password]) == [])
        }
    }

    @Test("systemctl stub on PATH fails the try-restart: exit 83, stub called again for the old bytes, token deleted")
    func systemdStub() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            let stub = try Self.recorder(host, name: "bin/systemctl", codes: [1, 0])
            try host.writePlaybook(extra: "reload: {systemd: app.service}")
            let path = (stub as NSString).deletingLastPathComponent + ":/usr/bin:/bin"
            let result = try await host.rekey(["run", host.playbookPath], environment: ["PATH": path])
            #expect(result.status == 83, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(host.envBytes == before)
            let calls = try Self.calls(host)
            #expect(calls.map(\.arguments) == ["--no-ask-password try-restart app.service", "--no-ask-password try-restart app.service"])
            #expect(calls.count == 2 && calls[1].saw == before && calls[0].saw != before)
            #expect(await host.serverTokens().count == 1)
            #expect(result.stdout.contains("reloaded with them"), "stdout: \(result.stdout)")
        }
    }

    @Test("a reload that hangs past its timeout is killed with its children: exit 83, file restored")
    func timeout() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            let reload = try Self.recorder(host, name: "app-reload", codes: [-1, 0])
            try host.writePlaybook(extra: "reload: {command: [\(reload)], timeout: 5s}")
            let started = Date()
            let result = try await host.rekey(["run", host.playbookPath])
            // Generous (the whole suite runs beside it on 2 cores), far below the child's 600 s.
            #expect(Date().timeIntervalSince(started) < 180, "not hanging on the 600 s sleep")
            #expect(result.status == 83, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stdout.contains("did not finish within its timeout"))
            #expect(host.envBytes == before)
            #expect(await host.serverTokens().count == 1)
            let sleeper = try #require(Int32(String(decoding: try host.directory.bytes("calls/call.1/sleeper"), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            let state = (try? String(contentsOfFile: "/proc/\(sleeper)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
            #expect(state == nil || state == "Z", "the reload's child \(sleeper) still runs (state \(state ?? "?"))")
        }
    }

    @Test("a reload command that does not exist: exit 83, file restored, token deleted, nothing run again")
    func notFound() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            try host.writePlaybook(extra: "reload: {command: [\(host.directory.file("no-such-reload"))]}")
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 83, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stdout.contains("was not found"))
            #expect(host.envBytes == before)
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("the second reload fails too: exit 82 (a person must look), file restored, token deleted")
    func secondReloadFails() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            let reload = try Self.recorder(host, name: "app-reload", codes: [1])
            try host.writePlaybook(extra: "reload: {command: [\(reload)]}")
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 82, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(host.envBytes == before)
            #expect(try Self.calls(host).count == 2)
            #expect(result.stdout.contains("restart the consumer by hand"), "stdout: \(result.stdout)")
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("--dry-run says what the reload would run and changes nothing")
    func dryRun() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            try host.writePlaybook(extra: "reload: {systemd: app.service, action: try-reload-or-restart, timeout: 45s}")
            let result = try await host.rekey(["run", "--dry-run", host.playbookPath])
            #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stdout.contains("reload    would run systemctl --no-ask-password try-reload-or-restart app.service (timeout 45s)"), "stdout: \(result.stdout)")
            #expect(host.envBytes == before)
        }
    }
}
