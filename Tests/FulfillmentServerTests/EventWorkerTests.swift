import Foundation
import FulfillmentCore
@testable import FulfillmentServer
import Logging
import ServiceLifecycle
import StripeAPI
import TestSupport
import Testing

/// The event worker as a pipeline: a slow event holds its own slot only.
@Suite struct EventWorkerTests {
    @Test func aSlowEventNeverHoldsTheNext() async throws {
        let store = MemoryFulfillmentStore()
        // The slow handler holds its slot until the test lets it go: the fast events can only all be processed
        // meanwhile if the worker never waits for a batch to finish. (It was a wall-clock bound, which a loaded
        // CI machine could miss; now nothing depends on speed: a worker with a batch barrier never gets there.)
        let (gate, open) = AsyncStream<Void>.makeStream()
        var router = EventRouter()
        router.on(EventType(rawValue: "test.slow")) { _ in
            for await _ in gate { break }
            return "slow"
        }
        router.on(EventType(rawValue: "test.fast")) { _ in "fast" }
        let now = Date()
        var events = [StoreFixtures.event("evt_slow", type: "test.slow")]
        events += (0..<30).map { StoreFixtures.event(String(format: "evt_fast_%02d", $0), type: "test.fast", at: Double($0 + 1)) }
        _ = try await store.insertEvents(events.map { event in
            var event = event
            event.receivedAt = now.addingTimeInterval(event.receivedAt.timeIntervalSince(StoreFixtures.t0) - 60)
            event.nextAttemptAt = event.receivedAt
            return event
        })
        var logger = Logger(label: "test.worker")
        logger.logLevel = .critical
        let worker = EventWorker(
            processor: EventProcessor(store: store, router: router, now: { Date() }, logger: logger), doorbell: store.bells.events,
            slots: WorkerSlots(capacity: 2), pollInterval: .seconds(5), hold: .seconds(10), metrics: ServiceMetrics(), logger: logger)
        let running = Task { try await worker.run() }
        defer {
            open.finish()
            running.cancel()
        }
        // A guard against a hang only (a batch barrier would wait here forever): thirty fast events take
        // milliseconds.
        let started = ContinuousClock.now
        while try await store.eventCounts()[.processed] ?? 0 < 30, ContinuousClock.now - started < .seconds(120) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let processed = try await store.listEvents(status: .processed, limit: 100).map(\.id)
        #expect(processed.count == 30 && !processed.contains("evt_slow"), "\(processed.count) processed while the slow one ran")
        #expect(try await store.event(id: "evt_slow")?.status == .pending, "the slow one is still in its slot")
        open.yield()
        try await waitUntil { try await store.event(id: "evt_slow")?.status == .processed }
        #expect(try await store.event(id: "evt_slow")?.status == .processed, "and it finishes once let go")
    }

    private func waitUntil(_ condition: () async throws -> Bool) async throws {
        let started = ContinuousClock.now
        while try await !condition(), ContinuousClock.now - started < .seconds(60) { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func eventsStoredClaimedAtIntakeAreHandledAtOnceWithoutAClaim() async throws {
        let store = MemoryFulfillmentStore()
        var router = EventRouter()
        router.on(EventType(rawValue: "test.fast")) { _ in "fast" }
        var logger = Logger(label: "test.worker")
        logger.logLevel = .critical
        let slots = WorkerSlots(capacity: 4)
        // A poll interval and a lease of a minute: an event the handover missed would wait that long.
        let worker = EventWorker(
            processor: EventProcessor(store: store, router: router, now: { Date() }, logger: logger), doorbell: store.bells.events,
            slots: slots, pollInterval: .seconds(60), hold: .seconds(10), metrics: ServiceMetrics(), logger: logger)
        let running = Task { try await worker.run() }
        defer { running.cancel() }
        try await Task.sleep(for: .milliseconds(100))  // the worker's first (empty) claim is behind it
        let writer = InboxWriter(store: store, slots: slots, lease: .seconds(60), now: { Date() })
        let now = Date()
        for index in 0..<3 {
            var event = StoreFixtures.event("evt_\(index)", type: "test.fast")
            event.receivedAt = now
            event.nextAttemptAt = now
            let outcome = try await withCheckedThrowingContinuation { continuation in
                writer.insert(event) { continuation.resume(with: $0) }
            }
            #expect(outcome == .inserted)
        }
        let started = ContinuousClock.now
        while try await store.eventCounts()[.processed] ?? 0 < 3, ContinuousClock.now - started < .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
        }
        for index in 0..<3 {
            let event = try #require(try await store.event(id: "evt_\(index)"))
            #expect(event.status == .processed, "evt_\(index) handled at once, not after the lease or the poll")
            #expect(event.attempts == 1, "claimed once, by the insert")
        }
        #expect(slots.inFlight == 0)
    }

    @Test func theIntakeReservesOnlyFreeSlotsAndNoneOnceTheWorkerStops() {
        let slots = WorkerSlots(capacity: 3)
        #expect(slots.reserve(upTo: 5) == 3)
        #expect(slots.reserve(upTo: 1) == 0, "every slot is reserved")
        slots.handOver([StoreFixtures.event("evt_a"), StoreFixtures.event("evt_b")], unused: 1)
        #expect(slots.reserve(upTo: 5) == 1, "the unused reservation is free again; handed-over events hold theirs")
        #expect(slots.takeHandedOver().map(\.id) == ["evt_a", "evt_b"])
        #expect(slots.start() && slots.start())
        #expect(slots.inFlight == 2)
        slots.finish()
        slots.handOver([], unused: 1)
        #expect(slots.reserve(upTo: 5) == 2, "one in flight: two free")
        slots.handOver([], unused: 2)
        slots.close()
        #expect(slots.reserve(upTo: 5) == 0)
    }

    @Test func workThatGivesWayWaitsUntilNoEventIsInFlightOrItsLimit() async throws {
        let slots = WorkerSlots(capacity: 2)
        let clock = ContinuousClock()
        var waited = await clock.measure { await slots.quiet(within: .seconds(30)) }
        #expect(waited < .seconds(1), "nothing in flight: no wait")

        #expect(slots.reserve(upTo: 1) == 1)
        slots.handOver([StoreFixtures.event("evt_a")], unused: 0)
        _ = slots.takeHandedOver()
        #expect(slots.start())
        let asked = clock.now
        let quiet = Task { await slots.quiet(within: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(200))
        slots.finish()
        await quiet.value
        waited = clock.now - asked
        #expect(waited >= .milliseconds(200), "it waited for the event in flight")
        #expect(waited < .seconds(10), "and went on when the event finished, not at its limit")

        #expect(slots.reserve(upTo: 1) == 1)
        waited = await clock.measure { await slots.quiet(within: .milliseconds(300)) }
        #expect(waited >= .milliseconds(300) && waited < .seconds(10), "a reservation is work too; the limit ends the wait")

        let cancelled = Task { await clock.measure { await slots.quiet(within: .seconds(30)) } }
        try await Task.sleep(for: .milliseconds(100))
        cancelled.cancel()
        #expect(await cancelled.value < .seconds(10), "a cancelled wait ends at once")
        slots.handOver([], unused: 1)
    }
}
