import Foundation
import FulfillmentCore
import GRDB

/// GRDB records of the row types every store shares: the coding keys are the column names, and dates are Unix
/// seconds (REAL), as the schema keeps them.
protocol UnixTimeRecord: FetchableRecord, PersistableRecord {}

extension UnixTimeRecord {
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
}

extension InboxEvent: UnixTimeRecord {
    static var databaseTableName: String { "inbox_events" }
}

extension PurchaseRow: UnixTimeRecord {
    static var databaseTableName: String { "purchases" }
}

extension PurchaseLineRow: UnixTimeRecord {
    static var databaseTableName: String { "purchase_lines" }
}

extension PurchasePaymentRow: UnixTimeRecord {
    static var databaseTableName: String { "purchase_payments" }
}

extension OutboxRow: UnixTimeRecord {
    static var databaseTableName: String { "outbox" }
}

extension DispatchRow: UnixTimeRecord {
    static var databaseTableName: String { "dispatches" }
}

extension Order: UnixTimeRecord {
    static var databaseTableName: String { "orders" }
}
