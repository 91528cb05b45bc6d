import Foundation
import FulfillmentCore

/// An email as the console's API shows it (`GET /admin/api/emails`).
struct EmailAnswer: Codable, Sendable, Hashable {
    var id: Int64
    var dedupeKey: String
    var recipient: String
    var subject: String
    var status: String
    var attempts: Int
    /// Unix seconds.
    var queuedAt: Int
    @Nullable var sentAt: Int?
    @Nullable var lastError: String?

    enum CodingKeys: String, CodingKey {
        case id, recipient, subject, status, attempts
        case dedupeKey = "dedupe_key"
        case queuedAt = "queued_at"
        case sentAt = "sent_at"
        case lastError = "last_error"
    }

    init(_ entry: OutboxEntry) {
        id = entry.id
        dedupeKey = entry.email.dedupeKey
        recipient = entry.email.recipient
        subject = entry.email.subject
        status = entry.status.rawValue
        attempts = entry.attempts
        queuedAt = Int(entry.createdAt.timeIntervalSince1970)
        sentAt = entry.sentAt.map { Int($0.timeIntervalSince1970) }
        lastError = entry.lastError
    }

}

/// A merchant notification or action effect as the console's API shows it (`GET /admin/api/dispatches`).
struct DispatchAnswer: Codable, Sendable, Hashable {
    var id: String
    var channel: String
    var type: String
    var subject: String
    var status: String
    var attempts: Int
    var queuedAt: Int
    @Nullable var deliveredAt: Int?
    @Nullable var lastError: String?

    enum CodingKeys: String, CodingKey {
        case id, channel, type, subject, status, attempts
        case queuedAt = "queued_at"
        case deliveredAt = "delivered_at"
        case lastError = "last_error"
    }

    init(_ entry: DispatchEntry) {
        id = entry.dispatch.id
        channel = entry.dispatch.channel
        type = entry.dispatch.type
        subject = entry.dispatch.subjectID
        status = entry.status.rawValue
        attempts = entry.attempts
        queuedAt = Int(entry.createdAt.timeIntervalSince1970)
        deliveredAt = entry.deliveredAt.map { Int($0.timeIntervalSince1970) }
        lastError = entry.lastError
    }

}

/// A list answer: `{"data": [...]}`.
struct ListAnswer<Item: Codable & Sendable>: Codable, Sendable {
    var data: [Item]
}

/// What a replay did: the item is queued again (`pending`).
struct ReplayAnswer: Codable, Sendable, Hashable {
    var id: String
    var status: String
}

/// `GET /admin/api/overview`: counts by status of each queue, and the backlogs.
struct OverviewAnswer: Codable, Sendable, Hashable {
    var events: [String: Int]
    var emailBacklog: Int
    var dispatchBacklog: Int
    var emails: [String: Int]
    var dispatches: [String: Int]

    enum CodingKeys: String, CodingKey {
        case events, emails, dispatches
        case emailBacklog = "email_backlog"
        case dispatchBacklog = "dispatch_backlog"
    }
}

/// An event as `GET /admin/api/events` lists it.
struct EventAnswer: Codable, Sendable, Hashable {
    var id: String
    var type: String
    @Nullable var object: String?
    var status: String
    var attempts: Int
    @Nullable var note: String?

    init(_ event: InboxEvent) {
        id = event.id
        type = event.type
        object = event.objectID
        status = event.status.rawValue
        attempts = event.attempts
        note = event.lastError
    }
}

/// `GET /admin/api/timeline/{id}`: what happened to a purchase, in time order (`at` is `null` for what has
/// not happened yet, an email still waiting).
struct TimelineAnswer: Codable, Sendable, Hashable {
    var id: String
    var entries: [Entry]
    /// The connected account (Connect) it was paid on; absent for the platform's own.
    var account: String?

    struct Entry: Codable, Sendable, Hashable {
        @Nullable var at: Int?
        var kind: String
        var what: String
        var outcome: String
    }
}

/// An anomaly as `GET /admin/api/anomalies` lists it.
struct AnomalyAnswer: Codable, Sendable, Hashable {
    var order: String
    var detail: String
    var recordedAt: Int

    enum CodingKeys: String, CodingKey {
        case order, detail
        case recordedAt = "recorded_at"
    }
}
