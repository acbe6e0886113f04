/// Assembles a new file from ranges of the original, plain bytes and a secret, writing straight into
/// one new `SecretBytes` so the file's bytes are never copied anywhere else.
enum EnvSplice {
    enum Piece {
        case original(Range<Int>)
        case plain([UInt8])
        case secret(SecretBytes)
    }

    static func assemble(_ pieces: [Piece], from original: SecretBytes) -> SecretBytes {
        let total = pieces.reduce(0) { sum, piece in
            switch piece {
            case .original(let range): sum + range.count
            case .plain(let bytes): sum + bytes.count
            case .secret(let secret): sum + secret.count
            }
        }
        let result = SecretBytes(count: total)
        result.withUnsafeMutableBytes { out in
            var offset = 0
            func append(_ source: UnsafeRawBufferPointer) {
                guard let base = source.baseAddress, !source.isEmpty else { return }
                (out.baseAddress! + offset).copyMemory(from: base, byteCount: source.count)
                offset += source.count
            }
            for piece in pieces {
                switch piece {
                case .original(let range): original.withUnsafeBytes { append(UnsafeRawBufferPointer(rebasing: $0[range])) }
                case .plain(let bytes): bytes.withUnsafeBytes { append($0) }
                case .secret(let secret): secret.withUnsafeBytes { append($0) }
                }
            }
            precondition(offset == total, "EnvSplice wrote \(offset) of \(total) bytes")
        }
        return result
    }
}
