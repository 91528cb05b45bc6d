import Foundation
import FulfillmentCore
import Hummingbird
import StripeAPI

/// The console's JSON twin under `/admin/api` (`Authorization: Bearer ADMIN_TOKEN`, throttled like the
/// password): every answer a Codable type (`ConsoleAnswers.swift`), described by `openapi/fulfillment.yaml`.
extension AdminController {
    func registerAPI(on router: Router<Context>) {
        guard let token = credentials.token else { return }
        let api = router.group("admin/api")
        /// `nil` when the token is right; otherwise the answer (401, or 429 past the door's budget).
        @Sendable func refusal(_ request: Request, _ context: Context) async -> Response? {
            let client = doors.client(request, context)
            switch await doors.checkBearer(request, client: client, expected: token, door: doors.consoleToken, name: "api token", audited: true, now: now()) {
            case .accepted: return nil
            case .absent, .wrong: return json(.unauthorized, error: "Authorization: Bearer ADMIN_TOKEN required")
            case .tooMany(let retryAfter): return tooMany(retryAfter: retryAfter)
            }
        }
        registerOutgoingAPI(on: api, refusal: refusal)
        api.get("overview") { request, context in
            if let refused = await refusal(request, context) { return refused }
            let counts = (try? await store.eventCounts()) ?? [:]
            let emails = (try? await store.emailCounts()) ?? [:]
            let dispatches = (try? await store.dispatchCounts()) ?? [:]
            return json(
                .ok,
                encoding: OverviewAnswer(
                    events: Dictionary(uniqueKeysWithValues: InboxEventStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) }),
                    emailBacklog: emails[.pending] ?? 0, dispatchBacklog: dispatches[.pending] ?? 0,
                    emails: Dictionary(uniqueKeysWithValues: EmailStatus.allCases.map { ($0.rawValue, emails[$0] ?? 0) }),
                    dispatches: Dictionary(uniqueKeysWithValues: DispatchStatus.allCases.map { ($0.rawValue, dispatches[$0] ?? 0) })))
        }
        api.get("events") { request, context in
            if let refused = await refusal(request, context) { return refused }
            let events = (try? await store.listEvents(matching: Self.filter(request.uri.queryParameters), limit: 200)) ?? []
            return json(.ok, encoding: ListAnswer(data: events.map(EventAnswer.init)))
        }
        api.get("timeline/:id") { request, context in
            if let refused = await refusal(request, context) { return refused }
            let id = String((context.parameters.get("id") ?? "").prefix(255))
            guard let timeline = try? await Timeline.build(subjectID: id, store: store), timeline.found else {
                return json(.notFound, error: "nothing is known about this id")
            }
            return json(.ok, encoding: TimelineAnswer(id: id, entries: timeline.entries.map { entry in
                TimelineAnswer.Entry(
                    at: entry.at == .distantFuture ? nil : Int(entry.at.timeIntervalSince1970), kind: entry.kind, what: entry.what,
                    outcome: entry.outcome)
            }, account: timeline.account))
        }
        api.get("anomalies") { request, context in
            if let refused = await refusal(request, context) { return refused }
            let anomalies = (try? await store.recentAnomalies(limit: 200)) ?? []
            return json(.ok, encoding: ListAnswer(data: anomalies.map { anomaly in
                AnomalyAnswer(order: anomaly.orderID, detail: anomaly.detail, recordedAt: Int(anomaly.recordedAt.timeIntervalSince1970))
            }))
        }
        api.post("events/:id/replay") { request, context in
            if let refused = await refusal(request, context) { return refused }
            let id = context.parameters.get("id") ?? ""
            let replayed = (try? await store.replayEvent(id: id, now: now())) ?? false
            await record("api token", "replay event", "\(id): \(replayed ? "queued" : "no such event")")
            return replayed ? json(.ok, encoding: ReplayAnswer(id: id, status: InboxEventStatus.pending.rawValue)) : json(.notFound, error: "no such event")
        }
    }
}
