import Foundation
import StripeAPI

/// A webhook endpoint and its signing secrets (more than one while a rolled secret is still valid).
struct WebhookEndpointRecord: Sendable {
    var id: String
    var created: Int
    var url: String
    var enabledEvents: [String]
    var description: String?
    var metadata: [String: String]
    /// The version its events are shaped in (`api_version` at creation; the account's when `nil`).
    var apiVersion: String? = nil
    /// A Connect endpoint: it receives the connected accounts' events (with `account`), not the platform's.
    var connect = false
    /// Newest first; an old secret keeps signing until its expiry (virtual time).
    var secrets: [(secret: String, expiresAt: Date?)]

    func activeSecrets(at now: Date) -> [String] {
        secrets.filter { $0.expiresAt.map { $0 > now } ?? true }.map(\.secret)
    }

    func receives(_ type: String) -> Bool {
        enabledEvents.contains("*") || enabledEvents.contains(type)
    }

    func json(includingSecret: Bool) -> JSONValue {
        var json: JSONValue = [
            "id": .string(id), "object": "webhook_endpoint", "api_version": .string(apiVersion), "application": nil, "connect": .bool(connect),
            "created": .int(created), "description": .string(description),
            "enabled_events": .array(enabledEvents.map { .string($0) }), "livemode": false,
            "metadata": .stringMap(metadata), "status": "enabled", "url": .string(url),
        ]
        if includingSecret, let newest = secrets.first { json["secret"] = .string(newest.secret) }
        return json
    }
}
