import Foundation
import Glibc
import RekeyCore

/// Reads one secret line from standard input straight into `SecretBytes`: with a no-echo prompt
/// on a terminal, or as the next line of piped input. The trailing newline (and a CR before it)
/// is stripped. Secrets are never taken from argv or the environment.
enum SecretInput {
    struct Empty: RekeyError {
        var what: String
        var exitStatus: ExitStatus { .config }
        var description: String { "empty \(what) on standard input; nothing was stored. pipe or type the \(what) followed by a newline" }
    }

    struct TooLong: RekeyError {
        var what: String
        var exitStatus: ExitStatus { .config }
        var description: String { "the \(what) on standard input is longer than \(SecretInput.maxLength) bytes; nothing was stored" }
    }

    static let maxLength = 4096

    static func readLine(prompt: String, what: String) throws -> SecretBytes {
        let terminal = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if terminal {
            // Echo goes off before the prompt appears, so nothing typed after the prompt is ever
            // shown. TCSANOW rather than TCSAFLUSH: flushing would throw away what a fast typist
            // (or a script at a terminal) has already typed in answer.
            tcgetattr(STDIN_FILENO, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &silent)
            FileHandle.standardError.write(Data(prompt.utf8))
        }
        defer {
            if terminal {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        let buffer = SecretBytes(count: maxLength)
        var length = 0
        var tooLong = false
        buffer.withUnsafeMutableBytes { out in
            var byte: UInt8 = 0
            while true {
                let n = read(STDIN_FILENO, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 || byte == UInt8(ascii: "\n") { break }
                // Past the limit, keep reading to the end of the line (so that it is not taken for
                // the next answer) but store nothing more.
                if length == maxLength { tooLong = true; continue }
                out[length] = byte
                length += 1
            }
            byte = 0
            if length > 0 && out[length - 1] == UInt8(ascii: "\r") { length -= 1 }
        }
        guard !tooLong else { throw TooLong(what: what) }
        guard length > 0 else { throw Empty(what: what) }
        return buffer.slice(0..<length)
    }
}
