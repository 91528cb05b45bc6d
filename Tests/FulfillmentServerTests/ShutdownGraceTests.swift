import Foundation
import FulfillmentCore
@testable import FulfillmentServer
import Logging
import ServiceLifecycle
import StripeAPI
import TestSupport
import Testing

/// A stopping event worker: what no slot has started is given back at once; what is in flight has the grace
/// to finish, and is cancelled and given back after it; the worker returns within the grace.
@Suite struct ShutdownGraceTests {
    @Test func aStoppingWorkerGivesBackWhatItHoldsAndStopsWithinItsGrace() async throws {
        let store = MemoryFulfillmentStore()
        var router = EventRouter()
        // Slow events never finish by themselves: only the end of the grace stops them.
        router.on(EventType(rawValue: "test.slow")) { _ in
            try await Task.sleep(for: .seconds(3600))
            return "slow"
        }
        router.on(EventType(rawValue: "test.fast")) { _ in "fast" }
        let now = Date()
        let events = (0..<6).map { index in
            var event = StoreFixtures.event("evt_\(index)", type: index == 1 ? "test.fast" : "test.slow")
            event.receivedAt = now.addingTimeInterval(Double(index) - 60)
            event.nextAttemptAt = event.receivedAt
            return event
        }
        _ = try await store.insertEvents(events)
        var logger = Logger(label: "test.worker")
        logger.logLevel = .critical
        let slots = WorkerSlots(capacity: 2)
        let worker = EventWorker(
            processor: EventProcessor(store: store, router: router, now: { Date() }, logger: logger), doorbell: store.bells.events,
            slots: slots, pollInterval: .seconds(60), hold: .seconds(1), metrics: ServiceMetrics(), logger: logger)
        let group = ServiceGroup(services: [worker], logger: logger)
        let running = Task { try await group.run() }
        defer { running.cancel() }

        // A claim takes two (one per slot): evt_0 and evt_1 start, evt_1 finishes at once, and the next claim
        // takes evt_2 (it starts) and evt_3, which waits for a slot. evt_4 and evt_5 are not claimed.
        let started = ContinuousClock.now
        while try await store.event(id: "evt_3")?.attempts != 1 || slots.inFlight < 2, ContinuousClock.now - started < .seconds(30) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(slots.inFlight == 2)
        #expect(try await store.event(id: "evt_1")?.status == .processed)

        let stopAsked = ContinuousClock.now
        await group.triggerGracefulShutdown()
        // The one waiting is given back at once, long before the grace ends (beside the two never claimed).
        var givenBack: [InboxEvent] = []
        while !givenBack.contains(where: { $0.id == "evt_3" }), ContinuousClock.now - stopAsked < .seconds(30) {
            givenBack += try await store.claimEvents(limit: 10, now: Date(), leaseUntil: Date().addingTimeInterval(60))
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(givenBack.map(\.id).sorted() == ["evt_3", "evt_4", "evt_5"], "evt_3's lease of a minute is given back, before the grace ends (evt_0 and evt_2 are not)")
        #expect(givenBack.allSatisfy { $0.attempts == 1 }, "evt_3's first claim counted no attempt")

        // The two in flight: cancelled at the end of the grace, given back, and the worker returns.
        try await running.value
        let stopped = ContinuousClock.now - stopAsked
        #expect(stopped >= .seconds(1) && stopped < .seconds(10), "stopped \(stopped) after it was asked, with a grace of 1 s")
        let inFlight = try await store.claimEvents(limit: 10, now: Date(), leaseUntil: Date().addingTimeInterval(60))
        #expect(inFlight.map(\.id) == ["evt_0", "evt_2"], "the cancelled ones are due at once, not after their lease")
        #expect(inFlight.allSatisfy { $0.attempts == 1 }, "a cancelled attempt is not counted against them")
        #expect(try await store.eventCounts() == [.pending: 5, .processed: 1], "nothing parked, nothing marked failed")
    }
}
