#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging

/// A swift-log handler that sends each entry to systemd-journald's native socket as a datagram
/// of `FIELD=value` lines: `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, and from the metadata
/// `REKEY_CONSUMER`, `REKEY_RUN`, `REKEY_STEP`, `REKEY_TOKEN_LAST8` (and any other key, upper-cased
/// as `REKEY_<KEY>`). Metadata holds identifiers only, never a secret (see design.md).
/// When a datagram cannot be sent the line goes to stderr, which systemd also journals.
struct JournaldLogHandler: LogHandler {
    static let socketPath = "/run/systemd/journal/socket"

    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String
    private let descriptor: Int32

    init?(label: String, socketPath: String = JournaldLogHandler.socketPath) {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { close(descriptor); return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { close(descriptor); return nil }
        self.label = label
        self.descriptor = descriptor
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = [
            ("MESSAGE", "\(event.message)"),
            ("PRIORITY", String(Self.priority(event.level))),
            ("SYSLOG_IDENTIFIER", label),
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            fields.append((Self.fieldName(key), "\(value)"))
        }
        let datagram = fields.map { "\($0.0)=\($0.1.replacingOccurrences(of: "\n", with: " "))" }.joined(separator: "\n") + "\n"
        let sent = datagram.utf8CString.withUnsafeBufferPointer { send(descriptor, $0.baseAddress, $0.count - 1, 0) }
        if sent < 0 { FileHandle.standardError.write(Data("rekey: \(event.message)\n".utf8)) }
    }

    /// `consumer` → `REKEY_CONSUMER`, `token-last8` → `REKEY_TOKEN_LAST8`: journald field names are
    /// upper-case letters, digits and underscores.
    static func fieldName(_ key: String) -> String {
        "REKEY_" + String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// syslog priorities, as journald's PRIORITY field wants them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
