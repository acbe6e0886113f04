import Foundation

/// `rekey_check_token_valid{file,variable}` in the node_exporter textfile format, written
/// atomically (a temp file renamed over the target), mode 0644 so node_exporter may read it.
/// A token the server could not be asked about has no sample: `absent()` catches it.
public enum CheckMetrics {
    public static func render(_ rows: [CheckRow]) -> String {
        var text = """
        # HELP rekey_check_token_valid Whether the token in this env file variable authenticates at gitea (1) or is refused (0), per the last rekey check.
        # TYPE rekey_check_token_valid gauge

        """
        var seen = Set<String>()
        for row in rows {
            guard let valid = row.status.valid else { continue }
            let labels = "file=\"\(escape(row.file))\",variable=\"\(escape(row.variable))\""
            guard seen.insert(labels).inserted else { continue }
            text += "rekey_check_token_valid{\(labels)} \(valid ? 1 : 0)\n"
        }
        return text
    }

    public static func write(_ rows: [CheckRow], to path: String) throws(FileError) {
        try AtomicFile.replace(path, with: Array(render(rows).utf8), newFileMode: 0o644)
    }

    /// Label values escape backslash, double quote and newline (the exposition format's rule).
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
