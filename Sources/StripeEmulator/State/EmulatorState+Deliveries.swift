import Foundation
import StripeAPI

extension EmulatorState {
    /// Hands every delivery that is due to the sender (retries whose time came, shuffled ones let go).
    func sendDueDeliveries() {
        outlet.send(claimDueDeliveries())
    }

    /// Takes every delivery that is due, applying delivery faults, and hands back what to send.
    func claimDueDeliveries() -> [DeliveryJob] {
        let now = self.now
        var due = liveDeliveries.keys.sorted().compactMap { deliveries[liveDeliveries[$0]!] }
            .filter { $0.state == .pending && $0.nextAttemptAt <= now }
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
        return claim(due)
    }

    /// Claims each of `due` for an attempt now, or settles it by the faults in force (dropped, failed before
    /// sending); returns the attempts to send.
    func claim(_ due: [DeliveryRecord]) -> [DeliveryJob] {
        // Deliveries are the emulator's own work: each may carry any account's event.
        AccountScope.$current.withValue(.everything) { claimInAnyScope(due) }
    }

    private func claimInAnyScope(_ due: [DeliveryRecord]) -> [DeliveryJob] {
        let now = self.now
        var jobs: [DeliveryJob] = []
        for var delivery in due {
            let target: DeliveryTarget
            switch deliveryTarget(delivery) {
            case .success(let found): target = found
            case .failure(let reason):
                delivery.state = .failed
                delivery.attempts.append(.init(at: configuration.wallClock(), error: reason.description, injected: false))
                store(delivery)
                continue
            }
            if faults.dropRate > 0, random.unit() < faults.dropRate {
                delivery.state = .dropped
                delivery.attempts.append(.init(at: configuration.wallClock(), error: "dropped (injected)", injected: true))
                store(delivery)
                continue
            }
            if delivery.attempts.count < faults.failFirst {
                store(delivery)
                recordAttempt(delivery.id, status: nil, error: "failed before sending (injected)", signatureTimestamp: nil, injected: true)
                continue
            }
            delivery.state = .inFlight
            store(delivery)
            jobs.append(
                DeliveryJob(
                    deliveryID: delivery.id, url: target.url, event: target.body,
                    secrets: target.secrets, copies: faults.duplicates, delay: faults.deliveryDelay))
        }
        return jobs
    }

    /// Where a delivery goes and what it carries: a webhook endpoint gets the event in its API version; a
    /// destination gets the thin notification, or the snapshot event in its `snapshot_api_version`.
    func deliveryTarget(_ delivery: DeliveryRecord) -> Result<DeliveryTarget, DeliveryRefusal> {
        if let endpoint = endpoints[delivery.endpointID] {
            guard let event = events[delivery.eventID] else { return .failure(.eventGone) }
            return .success(
                DeliveryTarget(url: endpoint.url, body: event.json(in: endpoint.apiVersion), secrets: endpoint.activeSecrets(at: now)))
        }
        guard let destination = eventDestinations[delivery.endpointID] else { return .failure(.endpointDeleted) }
        guard destination.enabled else { return .failure(.destinationDisabled) }
        if let thin = thinEvents[delivery.eventID] {
            return .success(DeliveryTarget(url: destination.url, body: thin.notification, secrets: [destination.secret]))
        }
        guard let event = events[delivery.eventID] else { return .failure(.eventGone) }
        return .success(
            DeliveryTarget(url: destination.url, body: event.json(in: destination.snapshotAPIVersion), secrets: [destination.secret]))
    }

    /// The outcome of one attempt: 2xx succeeds; anything else is retried with exponential backoff (capped)
    /// while the next attempt falls inside the retry window that began with the event (virtual time) and
    /// attempts are left; then the delivery is given up, and the event lists under `delivery_success=false`.
    func recordAttempt(_ id: String, status: Int?, error: String?, signatureTimestamp: Int?, injected: Bool = false) {
        guard var delivery = deliveries[id] else { return }
        delivery.attempts.append(
            .init(at: configuration.wallClock(), signatureTimestamp: signatureTimestamp, status: status, error: error, injected: injected))
        if let status, (200..<300).contains(status) {
            delivery.state = .succeeded
            events[delivery.eventID]?.pendingEndpoints.remove(delivery.endpointID)
        } else {
            let exponent = Double(min(delivery.attempts.count - 1, 30))
            let wait = min(configuration.webhookRetryBase.seconds * pow(2, exponent), configuration.webhookRetryCap.seconds)
            let next = now.addingTimeInterval(wait)
            if delivery.attempts.count >= configuration.webhookMaxAttempts
                || next > delivery.createdAt.addingTimeInterval(configuration.webhookRetryWindow.seconds)
            {
                delivery.state = .failed
            } else {
                delivery.state = .pending
                delivery.nextAttemptAt = next
            }
        }
        store(delivery)
    }

    /// Saves a delivery, keeping `liveDeliveries` in step with its state.
    func store(_ delivery: DeliveryRecord) {
        deliveries[delivery.id] = delivery
        switch delivery.state {
        case .pending, .inFlight: liveDeliveries[delivery.sequence] = delivery.id
        case .succeeded, .failed, .dropped: liveDeliveries[delivery.sequence] = nil
        }
    }

    /// Whether nothing is being sent and nothing is due now (later retries may still be scheduled).
    var deliveriesIdle: Bool {
        let now = self.now
        return !liveDeliveries.values.contains { id in
            guard let delivery = deliveries[id] else { return false }
            return delivery.state == .inFlight || (delivery.state == .pending && delivery.nextAttemptAt <= now)
        }
    }

    func listDeliveries(eventID: String?) -> JSONValue {
        let all = deliveries.oldestFirst.filter { eventID == nil || $0.eventID == eventID }
        return [
            "object": "list", "url": "/_emulator/deliveries", "has_more": false,
            "data": .array(all.map { $0.json(eventType: events[$0.eventID]?.type ?? thinEvents[$0.eventID]?.type ?? "") }),
        ]
    }

    func updateFaults(_ parameters: Parameters) throws(APIError) -> JSONValue {
        try faults.update(from: parameters)
        return faults.json
    }

    var faultsJSON: JSONValue {
        guard case .object(var fields) = faults.json else { return faults.json }
        fields["rate_limited_requests"] = .int(rateLimited)
        return .object(fields)
    }

    /// Draws the fault (if any) for one API request, and the latency to add. Past the rate limit the request
    /// is refused at once, before anything else (and before its idempotency key is looked at, as on Stripe).
    func drawAPIFault(noting request: APIRequestLog.Entry) -> (error: APIError?, latency: Duration) {
        requestLog.note(request)
        if faults.rateLimit > 0, !rateBucket.take(rate: faults.rateLimit, at: configuration.wallClock()) {
            rateLimited += 1
            return (FaultSettings.rateLimited, .zero)
        }
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
