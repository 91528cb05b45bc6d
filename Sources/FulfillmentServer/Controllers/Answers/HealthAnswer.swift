/// `GET /health`: `ok` with the events waiting, or `unavailable` (503) when the store does not answer.
struct HealthAnswer: Codable, Sendable, Hashable {
    var status: String
    /// Absent when the store did not answer.
    var pendingEvents: Int?

    enum CodingKeys: String, CodingKey {
        case status
        case pendingEvents = "pending_events"
    }
}
