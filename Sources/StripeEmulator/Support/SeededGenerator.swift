/// SplitMix64: a small, fast generator whose sequence is fixed by its seed (ids and faults replay exactly).
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in `0..<1`.
    mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}

extension RandomNumberGenerator {
    /// A Stripe-looking id: `prefix` and `length` base-62 characters.
    mutating func id(_ prefix: String, length: Int = 24) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var id = prefix
        for _ in 0..<length {
            id.append(alphabet[Int(next() % UInt64(alphabet.count))])
        }
        return id
    }

    /// A request id like Stripe's (`req_` and 14 base-62 characters).
    mutating func requestID() -> String {
        id("req_", length: 14)
    }
}
