#if canImport(Glibc)
import Glibc
#endif

/// `REKEY_TRACE_PHASES=1`: one line on stderr per phase of a command, for `scripts/bench`'s
/// breakdown of one run. A line is `rekey-phase <name> <ms since the previous line> <ms since exec>`;
/// the first one, `exec-to-main`, is the time from the launch to `main` (dynamic loading and the
/// runtime's start): from `REKEY_TRACE_START` when the caller gives it (`scripts/bench` does), else
/// from the kernel's start time in `/proc/self/stat` (clock-tick resolution). The last, `exit`, adds `fsyncs=<n>`: the
/// fsyncs of files and directories rekey made. Phase names are fixed words or step names: never a
/// value, path or secret.
public enum PhaseTrace {
    public static let isOn: Bool = getenv("REKEY_TRACE_PHASES").map { String(cString: $0) == "1" } ?? false

    nonisolated(unsafe) private static var last: Double = 0
    nonisolated(unsafe) private static var started: Double = 0

    /// Called first thing in `main`.
    public static func begin() {
        guard isOn else { return }
        let now = bootClockMilliseconds()
        started = launchedMillisecondsAgo().map { now - $0 } ?? processStartMilliseconds() ?? now
        last = started
        mark("exec-to-main")
    }

    /// `REKEY_TRACE_START`: the wall-clock time (seconds, as bash's `$EPOCHREALTIME` writes it) at
    /// which the caller launched rekey; how long ago that was. The kernel's own start time (below)
    /// counts in clock ticks, 10 ms here, too coarse for a start-up of a few milliseconds.
    private static func launchedMillisecondsAgo() -> Double? {
        guard let text = getenv("REKEY_TRACE_START").map({ String(cString: $0) }), let launched = Double(text) else { return nil }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let ago = (Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - launched) * 1000
        return ago >= 0 && ago < 60_000 ? ago : nil
    }

    /// Ends the phase `name` now.
    public static func mark(_ name: String) {
        guard isOn else { return }
        let now = bootClockMilliseconds()
        emit("rekey-phase \(name) \(format(now - last)) \(format(now - started))")
        last = now
    }

    /// The last line, with the fsync count.
    public static func end() {
        guard isOn else { return }
        let now = bootClockMilliseconds()
        emit("rekey-phase exit \(format(now - last)) \(format(now - started)) fsyncs=\(FsyncCounter.total)")
        last = now
    }

    private static func emit(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    private static func format(_ milliseconds: Double) -> String {
        let tenths = Int((milliseconds * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    private static func bootClockMilliseconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        return Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1_000_000
    }

    /// Field 22 of `/proc/self/stat`: the process's start in clock ticks since boot.
    private static func processStartMilliseconds() -> Double? {
        let fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        let text = buffer[0..<count]
        // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
        guard let close = text.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = text[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 19, let ticks = Double(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        return ticks * 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
