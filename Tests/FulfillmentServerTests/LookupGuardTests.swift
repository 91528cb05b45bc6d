import Foundation
import Synchronization
import Testing

@testable import FulfillmentServer

/// The lookup guard's arithmetic, on an injected clock.
@Suite struct LookupGuardTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func answer(_ outcome: LookupGuard<String>.Outcome) -> String? {
        if case .answer(let text) = outcome { return text }
        return nil
    }

    @Test func aClientSpendsItsBurstThenWaitsForTheRefill() async {
        let lookups = LookupGuard<String>(burst: 3, perMinute: 6, interval: .seconds(2))
        for index in 0..<3 {
            #expect(answer(await lookups.lookUp(id: "cs_\(index)", client: "a", now: t0) { "looked up" }) == "looked up")
        }
        guard case .tooMany(let retryAfter) = await lookups.lookUp(id: "cs_9", client: "a", now: t0, perform: { "no" }) else {
            Issue.record("the fourth is over the budget")
            return
        }
        #expect(retryAfter == 10, "one token every 10 s at 6 a minute")
        #expect(answer(await lookups.lookUp(id: "cs_9", client: "b", now: t0) { "b's" }) == "b's", "another client has its own budget")
        #expect(answer(await lookups.lookUp(id: "cs_10", client: "a", now: t0.addingTimeInterval(10)) { "later" }) == "later")
    }

    @Test func anIdIsLookedUpOncePerIntervalWhoeverAsks() async {
        let lookups = LookupGuard<String>(burst: 100, perMinute: 100, interval: .seconds(2))
        let calls = Mutex(0)
        let perform: @Sendable () async -> String = {
            calls.withLock { $0 += 1 }
            try? await Task.sleep(for: .milliseconds(50))
            return "not found"
        }
        await withTaskGroup(of: String?.self) { group in
            for client in 0..<20 {
                group.addTask { answer(await lookups.lookUp(id: "cs_1", client: "c\(client)", now: t0, perform: perform)) }
            }
            for await result in group { #expect(result == "not found", "concurrent askers wait for the one lookup") }
        }
        #expect(answer(await lookups.lookUp(id: "cs_1", client: "z", now: t0.addingTimeInterval(1.9), perform: perform)) == "not found")
        #expect(calls.withLock { $0 } == 1)
        _ = await lookups.lookUp(id: "cs_1", client: "z", now: t0.addingTimeInterval(2.1), perform: perform)
        #expect(calls.withLock { $0 } == 2, "asked again after the interval")
    }

    @Test func memoryStaysBoundedUnderAFloodOfIds() async {
        let lookups = LookupGuard<String>(burst: 1_000_000, perMinute: 1, interval: .seconds(60), capacity: 100)
        for index in 0..<1000 {
            _ = await lookups.lookUp(id: "cs_\(index)", client: "c\(index)", now: t0.addingTimeInterval(Double(index))) { "old" }
        }
        // The oldest ids were dropped: asking about the first again is a new lookup, not the old answer.
        #expect(answer(await lookups.lookUp(id: "cs_0", client: "z", now: t0.addingTimeInterval(1000)) { "new" }) == "new")
    }
}
