/// Secret comparison without an early exit on the first difference (tokens, passwords' CSRF companions).
enum ConstantTime {
    /// Whether `given` is exactly `expected`; the time taken depends on `expected`'s length only.
    static func equal(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        let x = Array(given.utf8), y = Array(expected.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in y.indices { difference |= y[index] ^ (index < x.count ? x[index] : 0) }
        return difference == 0
    }
}
