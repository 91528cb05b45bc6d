import Foundation
import StripeAPI

extension EmulatorState {
    /// Takes every delivery that is due, applying delivery faults, and hands back what to send.
    func claimDueDeliveries() -> [DeliveryJob] {
        let now = self.now
        var due = deliveries.oldestFirst.filter { $0.state == .pending && $0.nextAttemptAt <= now }
        guard !due.isEmpty else {
            shuffleHoldStarted = nil
            return []
        }
        if faults.shuffleWindow > 1 {
            let wall = configuration.wallClock()
            let started = shuffleHoldStarted ?? wall
            shuffleHoldStarted = started
            if due.count < faults.shuffleWindow, wall.timeIntervalSince(started) < faults.shuffleHoldSeconds { return [] }
            shuffleHoldStarted = nil
            due.shuffle(using: &random)
        }
        var jobs: [DeliveryJob] = []
        for var delivery in due {
            guard let endpoint = endpoints[delivery.endpointID], let event = events[delivery.eventID] else {
                delivery.state = .failed
                delivery.attempts.append(.init(at: configuration.wallClock(), error: "endpoint deleted", injected: false))
                deliveries[delivery.id] = delivery
                continue
            }
            if faults.dropRate > 0, random.unit() < faults.dropRate {
                delivery.state = .dropped
                delivery.attempts.append(.init(at: configuration.wallClock(), error: "dropped (injected)", injected: true))
                deliveries[delivery.id] = delivery
                continue
            }
            if delivery.attempts.count < faults.failFirst {
                deliveries[delivery.id] = delivery
                recordAttempt(delivery.id, status: nil, error: "failed before sending (injected)", signatureTimestamp: nil, injected: true)
                continue
            }
            delivery.state = .inFlight
            deliveries[delivery.id] = delivery
            jobs.append(
                DeliveryJob(
                    deliveryID: delivery.id, url: endpoint.url, payload: Array(event.json.serialized().utf8),
                    secrets: endpoint.activeSecrets(at: now), copies: faults.duplicates, delay: faults.deliveryDelay))
        }
        return jobs
    }

    /// The outcome of one attempt: 2xx succeeds; anything else is retried with exponential backoff until
    /// the attempts run out.
    func recordAttempt(_ id: String, status: Int?, error: String?, signatureTimestamp: Int?, injected: Bool = false) {
        guard var delivery = deliveries[id] else { return }
        delivery.attempts.append(
            .init(at: configuration.wallClock(), signatureTimestamp: signatureTimestamp, status: status, error: error, injected: injected))
        if let status, (200..<300).contains(status) {
            delivery.state = .succeeded
            events[delivery.eventID]?.pendingEndpoints.remove(delivery.endpointID)
        } else if delivery.attempts.count >= configuration.webhookMaxAttempts {
            delivery.state = .failed
        } else {
            let exponent = Double(min(delivery.attempts.count - 1, 20))
            let wait = Double(configuration.webhookRetryBase.components.seconds)
                + Double(configuration.webhookRetryBase.components.attoseconds) / 1e18
            delivery.state = .pending
            delivery.nextAttemptAt = now.addingTimeInterval(wait * pow(2, exponent))
        }
        deliveries[id] = delivery
    }

    /// Whether nothing is being sent and nothing is due now (later retries may still be scheduled).
    var deliveriesIdle: Bool {
        let now = self.now
        return !deliveries.oldestFirst.contains { $0.state == .inFlight || ($0.state == .pending && $0.nextAttemptAt <= now) }
    }

    func listDeliveries(eventID: String?) -> JSONValue {
        let all = deliveries.oldestFirst.filter { eventID == nil || $0.eventID == eventID }
        return [
            "object": "list", "url": "/_emulator/deliveries", "has_more": false,
            "data": .array(all.map { $0.json(eventType: events[$0.eventID]?.type ?? "") }),
        ]
    }

    func updateFaults(_ parameters: Parameters) throws(APIError) -> JSONValue {
        try faults.update(from: parameters)
        return faults.json
    }

    var faultsJSON: JSONValue { faults.json }

    /// Draws the fault (if any) for one API request, and the latency to add.
    func drawAPIFault() -> (error: APIError?, latency: Duration) {
        if faults.apiErrorCount > 0 {
            faults.apiErrorCount -= 1
            return (faults.apiError, faults.apiLatency)
        }
        if faults.apiErrorRate > 0, random.unit() < faults.apiErrorRate {
            return (faults.apiError, faults.apiLatency)
        }
        return (nil, faults.apiLatency)
    }
}
