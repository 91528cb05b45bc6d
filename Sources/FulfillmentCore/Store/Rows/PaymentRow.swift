public import Foundation

/// A `payments` row: the copy of a fulfilled session as Stripe returned it (the coding keys are the columns).
public struct PaymentRow: Sendable, Hashable, Codable {
    public var sessionID: String
    public var paymentIntent: String?
    public var amountTotal: Int?
    public var currency: String?
    public var sessionJSON: Data
    public var recordedAt: Date

    public init(sessionID: String, paymentIntent: String?, amountTotal: Int?, currency: String?, sessionJSON: Data, recordedAt: Date) {
        self.sessionID = sessionID
        self.paymentIntent = paymentIntent
        self.amountTotal = amountTotal
        self.currency = currency
        self.sessionJSON = sessionJSON
        self.recordedAt = recordedAt
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case sessionID = "session_id"
        case paymentIntent = "payment_intent"
        case amountTotal = "amount_total"
        case currency
        case sessionJSON = "session_json"
        case recordedAt = "recorded_at"
    }
}
