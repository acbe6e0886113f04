import Foundation
import Logging
@testable import rekey
import Testing
import TestSupport

/// The journald handler against a real datagram socket standing in for journald's native socket.
@Suite("journald log handler")
struct JournaldLogHandlerTests {
    @Test("one datagram per entry with MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and the REKEY_ fields")
    func fields() throws {
        let directory = TempDirectory("rekey-journal")
        let path = directory.file("socket")
        let server = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(server >= 0)
        defer { close(server) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)

        let handler = try #require(JournaldLogHandler(label: "rekey", socketPath: path))
        var logger = Logger(label: "rekey") { _ in handler }
        logger[metadataKey: "consumer"] = "web-host"
        logger.warning("drift: the env file holds a token rekey did not write\nsecond line",
                       metadata: ["run": "20261201T000000Z-1-ab", "step": "due check", "token-last8": "abcd1234"])

        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(server, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        #expect(count > 0)
        let lines = Set(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).split(separator: "\n").map(String.init))
        #expect(lines.contains("MESSAGE=drift: the env file holds a token rekey did not write second line"))
        #expect(lines.contains("PRIORITY=4"))
        #expect(lines.contains("SYSLOG_IDENTIFIER=rekey"))
        #expect(lines.contains("REKEY_CONSUMER=web-host"))
        #expect(lines.contains("REKEY_RUN=20261201T000000Z-1-ab"))
        #expect(lines.contains("REKEY_STEP=due check"))
        #expect(lines.contains("REKEY_TOKEN_LAST8=abcd1234"))
    }

    @Test("no journal socket: no handler (the caller logs to stderr instead)")
    func missingSocket() {
        #expect(JournaldLogHandler(label: "rekey", socketPath: "/nonexistent/journal/socket") == nil)
    }
}
