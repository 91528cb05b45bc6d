import StripeAPI

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
