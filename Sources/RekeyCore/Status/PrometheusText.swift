#if canImport(Glibc)
import Glibc
#endif

/// The status records in Prometheus' text exposition format, for node_exporter's textfile
/// collector. Written atomically (a temp file in the same directory, fsynced, renamed), mode 0644,
/// so the collector never reads half a file. It passes `promtool check metrics`.
public enum PrometheusText {
    public static func render(_ records: [ConsumerStatus]) -> String {
        var out = ""
        func family(_ name: String, _ help: String, _ value: (ConsumerStatus) -> Double?) {
            let samples = records.compactMap { record in value(record).map { (record, $0) } }
            guard !samples.isEmpty else { return }
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for (record, number) in samples {
                out += "\(name){consumer=\"\(escape(record.consumer))\"} \(format(number))\n"
            }
        }
        family("rekey_last_success_timestamp_seconds", "Unix time of the consumer's last verified rotation.") { $0.lastSuccessAt.map(Double.init) }
        family("rekey_last_run_timestamp_seconds", "Unix time of the consumer's last rotation run of any outcome.") { $0.lastRunAt.map(Double.init) }
        family("rekey_last_run_success", "1 when the consumer's last rotation run succeeded, else 0.") { record in
            record.lastOutcome.map { $0 == .rotated || $0 == .healed ? 1 : 0 }
        }
        family("rekey_interval_seconds", "The playbook's every: seconds between rotations.") { $0.every.map(Double.init) }
        family("rekey_token_valid", "1 when the token in the file authenticated at the last check, else 0.") { record in
            record.tokenValid.map { $0 ? 1 : 0 }
        }
        family("rekey_consumer_stuck", "1 when the consumer is stuck after max_failures failed runs.") { $0.stuck ? 1 : 0 }
        let described = records.filter { $0.persona != nil || $0.file != nil }
        if !described.isEmpty {
            out += "# HELP rekey_consumer_info The consumer's persona and env file.\n# TYPE rekey_consumer_info gauge\n"
            for record in described {
                out += "rekey_consumer_info{consumer=\"\(escape(record.consumer))\",persona=\"\(escape(record.persona ?? ""))\",file=\"\(escape(record.file ?? ""))\"} 1\n"
            }
        }
        return out
    }

    /// Writes `render(records)` to `path` atomically.
    public static func write(_ records: [ConsumerStatus], to path: String) throws {
        try AtomicFile.replace(path, with: Array(render(records).utf8), newFileMode: 0o644)
    }

    /// A label value: backslash, double quote and newline escaped, as the format requires.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
