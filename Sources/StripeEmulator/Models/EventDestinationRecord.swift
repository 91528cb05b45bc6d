import Foundation
import StripeAPI

/// An event destination (`/v2/core/event_destinations`): a webhook URL that receives thin notifications
/// (`v2.core.event`, the recommended payload) or snapshot events, signed like a webhook endpoint's.
struct EventDestinationRecord: Sendable {
    enum Payload: String, Sendable { case thin, snapshot }

    var id: String
    var created: Date
    var updated: Date
    var name: String
    var description: String
    /// Thin destinations name thin types (`v1.checkout.session.completed`, `v2.core.health.*`); snapshot
    /// ones name v1 types (`checkout.session.completed`). `*` is every type.
    var enabledEvents: [String]
    var payload: Payload
    /// The version snapshot events are shaped in (the account's when `nil`).
    var snapshotAPIVersion: String?
    /// `@self` (the account's own events), `@accounts` (its connected accounts').
    var eventsFrom: [String]
    var metadata: [String: String]
    var url: String
    var secret: String
    var enabled = true

    /// Whether a notification of `type` (a thin type for thin destinations, a v1 type for snapshot ones) goes
    /// here, for an event on `account` (`nil`: the platform's own).
    func receives(_ type: String, fromConnectedAccount: Bool) -> Bool {
        guard enabled else { return false }
        guard eventsFrom.contains(fromConnectedAccount ? "@accounts" : "@self") else { return false }
        return enabledEvents.contains("*") || enabledEvents.contains(type)
            || enabledEvents.contains { $0.hasSuffix("*") && type.hasPrefix($0.dropLast()) }
    }

    /// The object, with the signing secret and URL only when asked for (`include`), as Stripe redacts them.
    func json(including: Set<String> = []) -> JSONValue {
        let webhook: JSONValue = [
            "signing_secret": including.contains("webhook_endpoint.signing_secret") ? .string(secret) : nil,
            "url": including.contains("webhook_endpoint.url") ? .string(url) : nil,
        ]
        return [
            "id": .string(id), "object": "v2.core.event_destination", "created": .string(V2Time.string(created)),
            "updated": .string(V2Time.string(updated)), "name": .string(name), "description": .string(description),
            "enabled_events": .array(enabledEvents.map { .string($0) }), "event_payload": .string(payload.rawValue),
            "events_from": .array(eventsFrom.map { .string($0) }), "livemode": false, "metadata": .stringMap(metadata),
            "snapshot_api_version": payload == .snapshot ? .string(snapshotAPIVersion ?? APIVersionShape.accountDefault) : nil,
            "status": enabled ? "enabled" : "disabled",
            "status_details": enabled ? nil : ["disabled": ["reason": "user"]],
            "type": "webhook_endpoint", "webhook_endpoint": webhook, "amazon_eventbridge": nil, "azure_event_grid": nil,
        ]
    }
}

/// v2 timestamps: RFC 3339 with milliseconds, in UTC (`2026-12-04T12:00:00.000Z`).
enum V2Time {
    static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
