import Testing
@testable import RekeyCore

@Suite("Digest")
struct DigestTests {
    @Test func sha256MatchesTheStandardVectors() {
        #expect(Digest.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256Hex(SecretBytes(utf8: "abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func blake2b256MatchesPythonHashlib() {
        // hashlib.blake2b(b"", digest_size=32)
        #expect(Digest.hex(Digest.blake2b256([UInt8]())) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
    }
}
