public import Foundation

/// Orders, paid through the Sources and Charges flow or a PaymentIntent: the order itself (versioned, compare-and-set), its
/// anomalies, and the shared limit on looking at its source.
public protocol OrderBook: Sendable {
    /// Stores a new order; its id, its source id and its PaymentIntent id are unique.
    func insertOrder(_ order: Order) async throws

    func order(id: String) async throws -> Order?
    func order(sourceID: String) async throws -> Order?
    func order(paymentIntentID: String) async throws -> Order?
    func order(chargeID: String) async throws -> Order?

    /// Orders of `flow` still awaiting payment that were created before `createdBefore`, oldest first (the
    /// payment window's sweep).
    func ordersAwaitingPayment(flow: OrderPaymentFlow, createdBefore: Date, limit: Int) async throws -> [Order]

    /// Replaces the order if it is still at `expectedVersion` (compare-and-set) and, in the same transaction,
    /// queues `outgoing` (the customer's email, the merchant's notification) and records `anomaly`. `false` if
    /// another change got there first.
    func updateOrder(_ order: Order, expectedVersion: Int, outgoing: Outgoing, anomaly: String?, now: Date) async throws
        -> Bool

    /// The latest anomalies across every order, newest first (the console's anomalies page).
    func recentAnomalies(limit: Int) async throws -> [OrderAnomaly]

    /// Anomalies recorded for an order, oldest first (facts that contradicted a final state).
    func orderAnomalies(orderID: String) async throws -> [String]

    /// Whether the order's source (or PaymentIntent) may be looked at now: `true` (and the check recorded) if nobody, in any
    /// process, has looked within `interval` seconds. A conditional update, so instances share the limit.
    func claimSourceCheck(orderID: String, now: Date, interval: TimeInterval) async throws -> Bool
}
