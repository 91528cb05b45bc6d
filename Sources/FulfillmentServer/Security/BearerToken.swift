import HTTPTypes

/// `Authorization: Bearer <token>` checks, comparing in constant time (no early exit on the first difference).
enum BearerToken {
    /// Whether the request's `Authorization` header carries exactly `expected`.
    static func matches(_ headers: HTTPFields, _ expected: String) -> Bool {
        guard let value = headers[.authorization], value.hasPrefix("Bearer ") else { return false }
        let given = Array(value.dropFirst("Bearer ".count).utf8)
        let wanted = Array(expected.utf8)
        var difference = UInt8(given.count == wanted.count ? 0 : 1)
        for index in 0..<wanted.count {
            difference |= wanted[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }

    /// Whether the request says who it is at all.
    static func isPresent(_ headers: HTTPFields) -> Bool { headers[.authorization] != nil }
}
