/// Which peer addresses count as this machine's loopback: 127.0.0.0/8, ::1, and IPv4-mapped
/// 127.x addresses. Written against the textual forms `inet_ntop` produces.
public enum Loopback {
    public static func contains(ipAddress: String) -> Bool {
        let lowered = ipAddress.lowercased()
        if let v4 = lowered.split(separator: "::ffff:", omittingEmptySubsequences: false).last,
            lowered.hasPrefix("::ffff:")
        {
            return isLoopbackV4(String(v4))
        }
        if lowered.contains(":") {
            return lowered == "::1" || lowered == "0:0:0:0:0:0:0:1"
        }
        return isLoopbackV4(lowered)
    }

    private static func isLoopbackV4(_ text: String) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }
}
