/// Where a queued email stands: waiting to be sent (or retried), sent once, or parked after its retry window
/// (`RetrySchedule.outgoing`) for an operator to replay.
public enum EmailStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    case sent
    case dead
}
