/// SplitMix64: a small, fast generator whose sequence is fixed by its seed (the emulator's ids and faults
/// replay exactly; tests that mutate inputs repeat their failures). Package access: not part of the public API.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in `0..<1`.
    package mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
