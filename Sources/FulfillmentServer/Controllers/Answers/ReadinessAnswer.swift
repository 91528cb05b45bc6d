/// `GET /health/ready`: whether this instance should be sent work, and if not, why.
struct ReadinessAnswer: Codable, Sendable, Hashable {
    /// `ready`, or `unready`.
    var status: String
    /// Why not: `draining`, the database's error, or its migrations' state.
    var reason: String?

    static let ready = ReadinessAnswer(status: "ready", reason: nil)
}
