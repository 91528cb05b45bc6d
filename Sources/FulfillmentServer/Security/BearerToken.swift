import HTTPTypes

/// `Authorization: Bearer <token>` checks, comparing in constant time.
enum BearerToken {
    /// Whether the request's `Authorization` header carries exactly `expected`.
    static func matches(_ headers: HTTPFields, _ expected: String) -> Bool {
        guard let value = headers[.authorization], value.hasPrefix("Bearer ") else { return false }
        return ConstantTime.equal(String(value.dropFirst("Bearer ".count)), expected)
    }

    /// Whether the request says who it is at all.
    static func isPresent(_ headers: HTTPFields) -> Bool { headers[.authorization] != nil }
}
