import GiteaStandIn
import Testing

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

private func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        out.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return out
}

@Suite("SHA-1 and HMAC-SHA1 against published vectors")
struct SHA1Tests {
    @Test(
        "SHA-1 matches FIPS 180 examples",
        arguments: [
            ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
            ),
        ])
    func sha1(message: String, digest: String) {
        #expect(hex(SHA1.hash(Array(message.utf8))) == digest)
    }

    @Test("SHA-1 of a million 'a' crosses many blocks correctly")
    func millionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(hex(SHA1.hash(message)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test(
        "HMAC-SHA1 matches RFC 2202",
        arguments: [
            // case 1
            (bytes(hex: String(repeating: "0b", count: 20)), Array("Hi There".utf8),
             "b617318655057264e28bc0b6fb378c8ef146be00"),
            // case 2
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
             "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
            // case 3
            (bytes(hex: String(repeating: "aa", count: 20)), [UInt8](repeating: 0xdd, count: 50),
             "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
            // case 6: key longer than a block is hashed first
            (bytes(hex: String(repeating: "aa", count: 80)),
             Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
            // case 7
            (bytes(hex: String(repeating: "aa", count: 80)),
             Array("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".utf8),
             "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"),
        ])
    func hmac(key: [UInt8], message: [UInt8], mac: String) {
        #expect(hex(HMACSHA1.authenticationCode(key: key, message: message)) == mac)
    }
}
