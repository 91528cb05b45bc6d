public import Foundation

/// A fact that contradicted an order's final state (a cancel after payment, a second charge), recorded and not
/// applied, for an operator.
public struct OrderAnomaly: Sendable, Hashable {
    public var orderID: String
    public var detail: String
    public var recordedAt: Date

    public init(orderID: String, detail: String, recordedAt: Date) {
        self.orderID = orderID
        self.detail = detail
        self.recordedAt = recordedAt
    }
}
