/// The plaintext of a vault entry, built and parsed inside `SecretBytes` so the password and the
/// TOTP seed never pass through a Swift `String` or `[UInt8]`:
///
/// ```
/// 1 byte    record version, 1
/// 2 bytes   username length U, big endian; U bytes of UTF-8 username
/// 4 bytes   password length P, big endian; P bytes of password
/// 1 byte    0 = no TOTP seed, 1 = a seed follows
/// [4 bytes  seed length S, big endian; S bytes of seed]
/// ```
enum VaultRecord {
    static let version: UInt8 = 1

    static func encode(_ entry: VaultEntry) -> SecretBytes {
        let username = Array(entry.username.utf8)
        precondition(username.count <= Int(UInt16.max), "username checked by Vault.store")
        let seedCount = entry.totpSeed.map { 4 + $0.count } ?? 0
        let record = SecretBytes(count: 1 + 2 + username.count + 4 + entry.password.count + 1 + seedCount)
        record.withUnsafeMutableBytes { out in
            var writer = Writer(out: out)
            writer.byte(version)
            writer.byte(UInt8(username.count >> 8))
            writer.byte(UInt8(username.count & 0xff))
            username.withUnsafeBytes { writer.bytes($0) }
            writer.length32(entry.password.count)
            entry.password.withUnsafeBytes { writer.bytes($0) }
            if let seed = entry.totpSeed {
                writer.byte(1)
                writer.length32(seed.count)
                seed.withUnsafeBytes { writer.bytes($0) }
            } else {
                writer.byte(0)
            }
            precondition(writer.offset == out.count)
        }
        return record
    }

    /// Parses a record; nil if it is not a well-formed version-1 record.
    static func decode(_ record: SecretBytes) -> VaultEntry? {
        record.withUnsafeBytes { input -> VaultEntry? in
            var reader = Reader(input: input)
            guard reader.byte() == version,
                  let userCount = reader.length16(),
                  let userRange = reader.take(userCount),
                  let username = String(validating: input[userRange], as: UTF8.self),
                  let passwordCount = reader.length32(),
                  let passwordRange = reader.take(passwordCount),
                  let hasSeed = reader.byte()
            else { return nil }
            let password = SecretBytes(copying: UnsafeRawBufferPointer(rebasing: input[passwordRange]))
            var seed: SecretBytes?
            switch hasSeed {
            case 0: seed = nil
            case 1:
                guard let seedCount = reader.length32(), let seedRange = reader.take(seedCount) else { return nil }
                seed = SecretBytes(copying: UnsafeRawBufferPointer(rebasing: input[seedRange]))
            default: return nil
            }
            guard reader.offset == input.count else { return nil }
            return VaultEntry(username: username, password: password, totpSeed: seed)
        }
    }

    private struct Writer {
        let out: UnsafeMutableRawBufferPointer
        var offset = 0

        mutating func byte(_ value: UInt8) {
            out[offset] = value
            offset += 1
        }

        mutating func length32(_ count: Int) {
            for shift in [24, 16, 8, 0] { byte(UInt8((count >> shift) & 0xff)) }
        }

        mutating func bytes(_ source: UnsafeRawBufferPointer) {
            guard let base = source.baseAddress, source.count > 0 else { return }
            (out.baseAddress! + offset).copyMemory(from: base, byteCount: source.count)
            offset += source.count
        }
    }

    private struct Reader {
        let input: UnsafeRawBufferPointer
        var offset = 0

        mutating func byte() -> UInt8? {
            guard offset < input.count else { return nil }
            defer { offset += 1 }
            return input[offset]
        }

        mutating func length16() -> Int? {
            guard let high = byte(), let low = byte() else { return nil }
            return Int(high) << 8 | Int(low)
        }

        mutating func length32() -> Int? {
            var value = 0
            for _ in 0..<4 {
                guard let next = byte() else { return nil }
                value = value << 8 | Int(next)
            }
            return value
        }

        /// The range of the next `count` bytes, if there are that many.
        mutating func take(_ count: Int) -> Range<Int>? {
            guard count <= input.count - offset else { return nil }
            defer { offset += count }
            return offset..<(offset + count)
        }
    }
}
