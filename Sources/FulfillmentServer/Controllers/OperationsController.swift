import Foundation
import FulfillmentCore
import HTTPTypes
import Hummingbird
import Prometheus
import Logging
import StripeAPI

/// `GET /health` (the store answers), `GET /health/live` (the process answers), `GET /health/ready` (work may be
/// sent here: the database answers, its migrations are this release's, and the instance is not stopping), and
/// `GET /metrics` (Prometheus text).
struct OperationsController<Context: RequestContext>: Sendable {
    let store: any FulfillmentStore
    let readiness: ReadinessCheck
    let metrics: ServiceMetrics
    /// `GET /metrics` needs `Authorization: Bearer METRICS_TOKEN` when one is set.
    let metricsToken: String?
    /// Wrong metrics tokens are throttled per client and in total.
    let doors: Doors
    let pages: PageRenderer
    /// Customers' language when neither the purchase nor the browser names one spoken here.
    let defaultLanguage: CustomerLanguage
    let now: @Sendable () -> Date
    let logger: Logger

    func register(on router: Router<Context>) {
        router.get("health") { _, _ in
            do {
                let counts = try await store.eventCounts()
                return json(.ok, encoding: HealthAnswer(status: "ok", pendingEvents: counts[.pending] ?? 0))
            } catch {
                logger.error("health check failed", metadata: ["error": "\(error)"])
                return json(.serviceUnavailable, encoding: HealthAnswer(status: "unavailable", pendingEvents: nil))
            }
        }
        router.get("health/live") { _, _ in
            json(.ok, encoding: ReadinessAnswer(status: "live", reason: nil))
        }
        router.get("health/ready") { _, _ in
            await ready()
        }
        router.get("metrics") { request, context in
            if let metricsToken {
                let client = doors.client(request, context)
                switch await doors.checkBearer(request, client: client, expected: metricsToken, door: doors.metricsToken, name: "metrics token", now: now()) {
                case .accepted: break
                case .absent, .wrong:
                    return Response(
                        status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"metrics\""],
                        body: .init(byteBuffer: ByteBuffer(string: "metrics need Authorization: Bearer METRICS_TOKEN\n")))
                case .tooMany(let retryAfter):
                    return tooMany(retryAfter: retryAfter, json: false)
                }
            }
            if let backlog = try? await store.outboxBacklog(), let counts = try? await store.eventCounts() {
                metrics.observe(
                    outboxBacklog: backlog,
                    inbox: Dictionary(uniqueKeysWithValues: InboxEventStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) }))
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
    }

    /// Ready unless stopping, the database does not answer, or its schema is not this release's.
    func ready() async -> Response {
        if let reason = await readiness.problem() {
            return json(.serviceUnavailable, encoding: ReadinessAnswer(status: "unready", reason: reason))
        }
        return json(.ok, encoding: ReadinessAnswer.ready)
    }
}
