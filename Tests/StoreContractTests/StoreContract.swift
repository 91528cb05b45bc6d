import Foundation
import FulfillmentCore
import TestSupport

/// What every store contract suite shares: one suite per role of the store (`Store/Roles`), each run against
/// every store (memory, SQLite, PostgreSQL) through `TestStores`, with the builders below and one fixed time.
protocol StoreContract {}

extension StoreContract {
    var t0: Date { StoreFixtures.t0 }

    func event(_ id: String, type: String = "checkout.session.completed", at offset: TimeInterval = 0) -> InboxEvent {
        StoreFixtures.event(id, type: type, at: offset)
    }

    func plan(_ sessionID: String = "cs_test_1", lines: [PlannedLine], now: Date? = nil) -> FulfillmentPlan {
        StoreFixtures.plan(sessionID, lines: lines, now: now)
    }

    func line(_ id: String, _ action: LineItemAction, quantity: Int = 1) -> PlannedLine {
        StoreFixtures.line(id, action, quantity: quantity)
    }

    func dispatch(_ id: String, subject: String = "cs_test_1") -> Dispatch {
        Dispatch(id: id, channel: "merchant", type: "checkout.fulfilled", subjectID: subject, payload: Data("{\"id\":\"\(id)\"}".utf8))
    }

    func order(_ id: String, source: String) -> Order { StoreFixtures.order(id, source: source) }
}
