@testable import RekeyCore

enum TestKeys {
    /// The test-vector key: bytes 0x00 ... 0x1f.
    static let vectorKey = MasterKey(bytes: SecretBytes(copying: Array(UInt8(0)...UInt8(31))))
    static let vectorNonce = Array(UInt8(0x40)...UInt8(0x57))

    static func fromHex(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
