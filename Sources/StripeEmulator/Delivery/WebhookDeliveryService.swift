import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import StripeAPI

/// Sends webhook deliveries and runs timers: each attempt the state hands to the outlet is sent at once, on
/// its own (a new event's first attempt comes out as the event is made); every tick runs the timers and lets
/// out the retries that fell due. Each attempt is signed afresh with the real wall-clock time and one `v1`
/// per active secret; a non-2xx answer, a redirect or a timeout counts as a failure.
struct WebhookDeliveryService: Service {
    let state: EmulatorState
    let outlet: DeliveryOutlet
    let configuration: EmulatorConfiguration
    let logger: Logger

    func run() async throws {
        var httpConfiguration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        // An endpoint that refuses the connection fails its attempt at once, as on Stripe (AsyncHTTPClient
        // would otherwise keep trying to connect until its connect timeout).
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        // Stripe sends an endpoint's deliveries side by side; AsyncHTTPClient's default of 8 connections per host
        // sent a burst of events in waves of 8, each waiting for the one before.
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                // Timers are due by the second, retries by the second or more: the tick's pace is enough.
                group.addTask { [state, configuration] in
                    while !Task.isCancelled {
                        await state.runTimers()
                        await state.sendDueDeliveries()
                        try? await Task.sleep(for: configuration.tickInterval)
                    }
                }
                // Ends when cancelled (an AsyncStream's iteration does).
                for await job in outlet.attempts {
                    group.addTask { await deliver(job, client: client) }
                }
                group.cancelAll()
            }
        }
        try? await client.shutdown()
    }

    private func deliver(_ job: DeliveryJob, client: HTTPClient) async {
        if job.delay > .zero { try? await Task.sleep(for: job.delay) }
        let payload = job.event.serializedBytes()
        // Duplicates go out concurrently, as Stripe's occasional double deliveries can.
        let results = await withTaskGroup(of: (status: Int?, error: String?, timestamp: Int).self) { group in
            for _ in 0..<job.copies {
                group.addTask { await attempt(job, payload: payload, client: client) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let best = results.first { $0.status.map { (200..<300).contains($0) } ?? false } ?? results[0]
        logger.debug(
            "webhook delivered",
            metadata: ["delivery.id": "\(job.deliveryID)", "http.status": "\(best.status.map(String.init) ?? "-")", "copies": "\(job.copies)"])
        await state.recordAttempt(job.deliveryID, status: best.status, error: best.error, signatureTimestamp: best.timestamp)
    }

    private func attempt(_ job: DeliveryJob, payload: [UInt8], client: HTTPClient) async -> (status: Int?, error: String?, timestamp: Int) {
        let timestamp = Int(configuration.wallClock().timeIntervalSince1970)
        var request = HTTPClientRequest(url: job.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        request.headers.add(
            name: "Stripe-Signature", value: WebhookSignature.header(payload: payload, secrets: job.secrets, timestamp: timestamp))
        request.body = .bytes(ByteBuffer(bytes: payload))
        do {
            let seconds = configuration.webhookTimeout.components.seconds
            let response = try await client.execute(request, timeout: .seconds(max(1, seconds)))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (Int(response.status.code), nil, timestamp)
        } catch {
            return (nil, String(describing: error), timestamp)
        }
    }
}
