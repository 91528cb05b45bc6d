import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// Console sessions and buyers' claims, against every store: what several instances share through the store.
@Suite struct DoorKeepingContractTests: StoreContract {
    static let hashA = String(repeating: "a", count: 64)
    static let hashB = String(repeating: "b", count: 64)

    @Test(arguments: TestStores.kinds)
    func aConsoleSessionIsFoundByItsHashUntilItExpiresOrIsClosed(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let session = ConsoleSession(idHash: Self.hashA, csrf: "csrf-a", createdAt: t0, expiresAt: t0.addingTimeInterval(3600))
            try await store.openConsoleSession(session, now: t0)
            #expect(try await store.consoleSession(idHash: Self.hashA, now: t0.addingTimeInterval(60)) == session)
            #expect(try await store.consoleSession(idHash: Self.hashB, now: t0) == nil, "another id opens nothing")
            #expect(try await store.consoleSession(idHash: Self.hashA, now: t0.addingTimeInterval(3600)) == nil, "expired")
            try await store.closeConsoleSession(idHash: Self.hashA)
            #expect(try await store.consoleSession(idHash: Self.hashA, now: t0.addingTimeInterval(60)) == nil, "signed out")
        }
    }

    @Test(arguments: TestStores.kinds)
    func openingASessionForgetsExpiredOnesAndARepeatedIdIsRefused(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            try await store.openConsoleSession(
                ConsoleSession(idHash: Self.hashA, csrf: "a", createdAt: t0, expiresAt: t0.addingTimeInterval(10)), now: t0)
            let later = t0.addingTimeInterval(20)
            // The expired session is deleted when the next one opens, so its hash may be used again.
            try await store.openConsoleSession(
                ConsoleSession(idHash: Self.hashB, csrf: "b", createdAt: later, expiresAt: later.addingTimeInterval(60)), now: later)
            try await store.openConsoleSession(
                ConsoleSession(idHash: Self.hashA, csrf: "a2", createdAt: later, expiresAt: later.addingTimeInterval(60)), now: later)
            #expect(try await store.consoleSession(idHash: Self.hashA, now: later)?.csrf == "a2")
            await #expect(throws: (any Error).self, "an open session's id hash is unique") {
                try await store.openConsoleSession(
                    ConsoleSession(idHash: Self.hashB, csrf: "x", createdAt: later, expiresAt: later.addingTimeInterval(60)), now: later)
            }
            #expect(try await store.consoleSession(idHash: Self.hashB, now: later)?.csrf == "b", "the first session stands")
        }
    }

    @Test(arguments: TestStores.kinds)
    func aPurchaseIsClaimedForOneBrowserOnlyEvenUnderConcurrentClaims(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<8 { group.addTask { try await store.claimBuyerView(subjectID: "cs_test_claimed", now: t0.addingTimeInterval(Double(index))) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            #expect(try await store.claimBuyerView(subjectID: "cs_test_claimed", now: t0) == false)
            #expect(try await store.claimBuyerView(subjectID: "ord_other", now: t0), "each purchase has its own claim")
        }
    }
}
